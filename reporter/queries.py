"""The PromQL the report runs: few queries, each answering a whole table.

A report needs dozens of figures (avg/p95/peak of three resources per node, four per pod, ...).
One query per figure would be 60+ round trips per period; instead each table is one query, its
columns joined with `or` and told apart by a `stat` label (`label_replace`, which adds a label
without touching values). Per period that is nine instant queries plus one range query for the
charts (and one more for the top pods' peaks), and six instant queries for the previous
period's key figures.

The report reads the pack's recorded series (rules/generated/*.rules.yaml) wherever they exist:
`instance:node_cpu_utilisation:rate5m`, `instance:node_memory_utilisation:ratio`,
`instance_mountpoint:node_filesystem_used:ratio`,
`node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m`,
`node_namespace_pod_container:container_memory_working_set_bytes`,
`node_namespace_pod_container:container_{cpu_usage,memory_working_set}_per_limit:ratio*`,
`stage:http_5xx_responses:rate5m`, `destination_service:istio_requests{,_5xx}:rate5m`,
`destination_service_le:istio_request_duration_milliseconds_bucket:rate5m`,
`destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile`,
`kind_target:healthcheck_probe_success:avg`. Only restarts read kube-state-metrics directly.
Peaks of sums (cluster, pod) use subqueries at the recording rules' 5m resolution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reporter.period import Period

NODE_CPU = "instance:node_cpu_utilisation:rate5m"
NODE_MEMORY = "instance:node_memory_utilisation:ratio"
NODE_DISK = "instance_mountpoint:node_filesystem_used:ratio"
CONTAINER_CPU = "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"
CONTAINER_MEMORY = "node_namespace_pod_container:container_memory_working_set_bytes"
CONTAINER_CPU_LIMIT = "node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m"
CONTAINER_MEMORY_LIMIT = "node_namespace_pod_container:container_memory_working_set_per_limit:ratio"
STAGE_5XX = "stage:http_5xx_responses:rate5m"
SERVICE_REQUESTS = "destination_service:istio_requests:rate5m"
SERVICE_5XX = "destination_service:istio_requests_5xx:rate5m"
SERVICE_BUCKETS = "destination_service_le:istio_request_duration_milliseconds_bucket:rate5m"
SERVICE_QUANTILE = (
    "destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile"
)
PROBE_SUCCESS = "kind_target:healthcheck_probe_success:avg"
RESTARTS = "kube_pod_container_status_restarts_total"
LAST_TERMINATED = "kube_pod_container_status_last_terminated_reason"
ALERTS = "ALERTS"
WATCHDOGS = "Watchdog|HealthcheckWatchdog|InfoInhibitor"
RESOLUTION = "5m"  # of the recording rules: the step of every subquery over them
SVC = "destination_service_namespace, destination_service_name"
_MATCHER = re.compile(r'\s*[a-zA-Z_]\w*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*')


def check_matchers(text: str) -> str:
    """`a="x", b=~"y"` or empty: extra matchers added to every series the report reads."""
    text = text.strip().strip(",")
    if text and not all(_MATCHER.fullmatch(p) for p in _split(text)):
        raise ValueError(f'expected label matchers such as cluster="prod", got {text!r}')
    return text


def _split(text: str) -> list[str]:
    parts, depth, cur, quoted, escape = [], 0, "", False, False
    for ch in text:
        if escape:
            cur, escape = cur + ch, False
            continue
        if ch == "\\" and quoted:
            cur, escape = cur + ch, True
            continue
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return parts


@dataclass(frozen=True)
class Queries:
    """Builds each query for a period; `extra` matchers (e.g. `cluster="prod"`) go into every
    selector, `ksm` selects kube-state-metrics (rules/config.yaml), `quantile` is the latency
    quantile recorded by the rules."""

    extra: str = ""
    ksm: str = 'job="kube-state-metrics"'
    quantile: float = 0.95

    def s(self, metric: str, *matchers: str) -> str:
        inner = ", ".join(m for m in (*matchers, self.extra) if m)
        return f"{metric}{{{inner}}}" if inner else metric

    # --- instant queries, evaluated at the period's end -------------------------------------

    def nodes(self, p: Period) -> str:
        r = p.range()
        parts = {}
        for name, metric in (("cpu", NODE_CPU), ("memory", NODE_MEMORY), ("disk", NODE_DISK)):
            sel = self.s(metric)
            parts[f"{name}_avg"] = f"avg_over_time({sel}{r})"
            parts[f"{name}_p95"] = f"quantile_over_time(0.95, {sel}{r})"
            parts[f"{name}_peak"] = f"max_over_time({sel}{r})"
        return union(parts)

    def cluster(self, p: Period) -> str:
        """Cluster-wide: CPU and memory averaged over nodes, disk of the fullest filesystem."""
        sub = p.subquery(RESOLUTION)
        parts = {}
        for name, agg, metric in (
            ("cpu", "avg", NODE_CPU),
            ("memory", "avg", NODE_MEMORY),
            ("disk", "max", NODE_DISK),
        ):
            inner = f"{agg}({self.s(metric)})"
            parts[f"{name}_avg"] = f"avg_over_time({inner}{sub})"
            parts[f"{name}_p95"] = f"quantile_over_time(0.95, {inner}{sub})"
            parts[f"{name}_peak"] = f"max_over_time({inner}{sub})"
        # How many 5-minute steps had data: a period Prometheus barely covers (the pack was
        # installed last week) is no base for a comparison.
        parts["coverage"] = f"count_over_time(avg({self.s(NODE_CPU)}){sub})"
        return union(parts)

    def pods(self, p: Period) -> str:
        """Every pod's average CPU and memory (cheap: no subquery)."""
        r = p.range()
        by = "sum by (namespace, pod, node)"
        cpu, mem = self.s(CONTAINER_CPU), self.s(CONTAINER_MEMORY)
        return union(
            {
                "cpu_avg": f"{by} (avg_over_time({cpu}{r}))",
                "memory_avg": f"{by} (avg_over_time({mem}{r}))",
            }
        )

    def pod_peaks(self, p: Period, pods: Iterable[str]) -> str:
        """Peak CPU and memory of the named pods: the peak of a sum over a pod's containers
        needs a subquery, so it is asked only for the top pods (a month of 500 pods' subqueries
        takes Prometheus 15 s or more)."""
        sub = p.subquery(RESOLUTION)
        by = "sum by (namespace, pod, node)"
        only = f'pod=~"{alternation(pods)}"'
        cpu, mem = self.s(CONTAINER_CPU, only), self.s(CONTAINER_MEMORY, only)
        return union(
            {
                "cpu_peak": f"max_over_time({by} ({cpu}){sub})",
                "memory_peak": f"max_over_time({by} ({mem}){sub})",
            }
        )

    def containers(self, p: Period) -> str:
        r = p.range()
        by = "max by (namespace, pod, container, node)"
        return union(
            {
                "cpu_avg": f"{by} (avg_over_time({self.s(CONTAINER_CPU)}{r}))",
                "cpu_limit_peak": f"{by} (max_over_time({self.s(CONTAINER_CPU_LIMIT)}{r}))",
                "memory_peak": f"{by} (max_over_time({self.s(CONTAINER_MEMORY)}{r}))",
                "memory_limit_peak": f"{by} (max_over_time({self.s(CONTAINER_MEMORY_LIMIT)}{r}))",
            }
        )

    def restarts(self, p: Period) -> str:
        """Restarts in the period; OOM kills are the restarts of containers whose last
        termination in the period was OOMKilled (kube-state-metrics keeps only the last)."""
        r = p.range()
        by = "sum by (namespace, pod, container)"
        increase = f"{by} (increase({self.s(RESTARTS, self.ksm)}{r}))"
        last = self.s(LAST_TERMINATED, self.ksm, 'reason="OOMKilled"')
        oom = f"max_over_time({last}{r})"
        return union(
            {
                "restarts": f"{increase} > 0",
                "oom_kills": f"({increase} > 0) and on (namespace, pod, container) "
                f"(max by (namespace, pod, container) ({oom}) == 1)",
            }
        )

    def stages(self, p: Period) -> str:
        r = p.range()
        sel = self.s(STAGE_5XX)
        return union(
            {
                "rate_avg": f"sum by (stage) (avg_over_time({sel}{r}))",
                "rate_peak": f"max by (stage) (max_over_time({sel}{r}))",
            }
        )

    def services(self, p: Period) -> str:
        r = p.range()
        q = self.s(SERVICE_QUANTILE, f'quantile="{self.quantile:g}"')
        buckets = f"sum by (le) (avg_over_time({self.s(SERVICE_BUCKETS)}{r}))"
        return union(
            {
                "requests": f"sum by ({SVC}) (avg_over_time({self.s(SERVICE_REQUESTS)}{r}))",
                "errors": f"sum by ({SVC}) (avg_over_time({self.s(SERVICE_5XX)}{r}))",
                "latency_avg": f"max by ({SVC}) (avg_over_time({q}{r}))",
                "latency_peak": f"max by ({SVC}) (max_over_time({q}{r}))",
                "latency_overall": f"histogram_quantile({self.quantile:g}, {buckets})",
            }
        )

    def probes(self, p: Period) -> str:
        r, sub = p.range(), p.subquery("1m")
        sel = self.s(PROBE_SUCCESS)
        by = "max by (kind, target)"
        starts = f"({sel} < 1) unless ({sel} offset 1m < 1)"
        return union(
            {
                "availability": f"{by} (avg_over_time({sel}{r}))",
                "degraded": f"{by} (count_over_time(({sel} < 1){sub}))",
                "down": f"{by} (count_over_time(({sel} == 0){sub}))",
                "failures": f"{by} (count_over_time(({starts}){sub}))",
            }
        )

    def alerts(self, p: Period) -> str:
        sub = p.subquery("1m")
        sel = self.s(ALERTS, 'alertstate="firing"', f'alertname!~"{WATCHDOGS}"')
        by = "sum by (alertname, severity)"
        return union(
            {
                "fired": f"{by} (count_over_time(({sel} unless {sel} offset 1m){sub}))",
                "minutes": f"count_over_time(max by (alertname, severity) ({sel}){sub})",
            }
        )

    # --- the range query for the charts ---------------------------------------------------

    def charts(self, p: Period) -> str:
        w = f"[{int(p.step.total_seconds())}s]"
        cpu, mem = self.s(NODE_CPU), self.s(NODE_MEMORY)
        return union(
            {
                "cpu_avg": f"avg(avg_over_time({cpu}{w}))",
                "cpu_max": f"max(avg_over_time({cpu}{w}))",
                "memory_avg": f"avg(avg_over_time({mem}{w}))",
                "memory_max": f"max(avg_over_time({mem}{w}))",
                "5xx": f"sum by (stage) (avg_over_time({self.s(STAGE_5XX)}{w}))",
            },
            label="series",
        )


def alternation(values: Iterable[str]) -> str:
    """A regular expression matching exactly these values (Prometheus anchors it), written as
    the inside of a PromQL string: RE2 escapes first, then the string literal's."""
    regex = "|".join(re.sub(r"([^A-Za-z0-9_-])", r"\\\1", v) for v in sorted(set(values)))
    return regex.replace("\\", "\\\\").replace('"', '\\"')


def union(parts: dict[str, str], label: str = "stat") -> str:
    """`label_replace(A, "stat", "a", "", "") or label_replace(B, "stat", "b", "", "") ...`"""
    return " or ".join(
        f'label_replace({expr}, "{label}", "{name}", "", "")' for name, expr in parts.items()
    )
