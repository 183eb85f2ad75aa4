"""Expressions more than one dashboard shows, written once.

PromQL: recorded series only (rules/generated/*.rules.yaml), so 30-day views stay cheap.
LogQL: the error-line selection the reporter uses too (grafana.settings.LokiSettings), so the
dashboard and the weekly report count the same lines.
"""

from __future__ import annotations

from grafana.settings import GrafanaSettings
from grafana.variables import cluster_matcher
from integrations.loki import line_filter
from rules.model import sel

STAGE_5XX = "stage:http_5xx_responses:rate5m"
PROBE_AVAILABILITY = "kind_target:healthcheck_probe_success:avg"
# Error lines that agree on this many first characters (digits masked) are one message: the query
# and the panel that explains it read the same number.
MESSAGE_PREFIX_CHARS = 120


def stage_5xx(s: GrafanaSettings) -> str:
    """5xx per second by the stage that made them: haproxy, istio (Envoy), application."""
    return f"sum by (stage) ({sel(STAGE_5XX, cluster_matcher(s))})"


def log_selector(namespace: str = "$namespace", *extra: str) -> str:
    """A stream selector over the selected namespaces (`.+` for All: Loki refuses `.*`)."""
    matchers = [f'namespace=~"{namespace}"', *extra]
    return "{" + ", ".join(matchers) + "}"


def error_lines(s: GrafanaSettings, *extra: str) -> str:
    """Error lines (rules/config.yaml's logs.error_filter) over the selected namespaces."""
    return f"{log_selector('$namespace', *extra)} {line_filter(s.loki.error_filter)}"


def error_counts(s: GrafanaSettings, by: str, window: str) -> str:
    """Error lines per `by` labels, counted over `window` ($__auto for graphs)."""
    return f"sum by ({by}) (count_over_time({error_lines(s)} [{window}]))"


def top_error_messages(s: GrafanaSettings, top: int = 10) -> str:
    """The most frequent error lines, grouped by their first MESSAGE_PREFIX_CHARS characters with
    digits masked.

    Loki cannot group by line text, but it can by a label made from the line: `label_format`
    copies the line (`__line__`) into `message`, digits (times, IDs, counts) replaced by 0, so
    the same message with different numbers counts once.
    """
    message = f'{{{{ regexReplaceAll "[0-9]+" (trunc {MESSAGE_PREFIX_CHARS} __line__) "0" }}}}'
    return (
        f"topk({top}, sum by (namespace, {s.loki.service_label}, message) (count_over_time(\n"
        f"  {error_lines(s)}\n"
        f"  | label_format message=`{message}`\n"
        "  [$__range]\n"
        ")))"
    )
