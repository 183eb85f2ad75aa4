"""5xx by stage: where the 5xx answers arise (HAProxy, an Envoy, the application) and why.

The old page's "5xx error breakdown by stage", from the pack's `stage:http_5xx_responses:rate5m`
(see rules/README.md, "5xx by stage"), then one row per stage with the raw counters behind it
(short ranges), and the 5xx lines of Istio's access logs for the paths that failed.
"""

from __future__ import annotations

from grafana import queries
from grafana.layout import Row, build_dashboard
from grafana.panels import Link, logs_panel, stat_panel, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import LOKI, logql, promql
from grafana.variables import (
    cluster,
    cluster_matcher,
    label_values,
    loki_datasource,
    prometheus_datasource,
)
from rules.model import sel

KEY = "errors-by-stage"
STAGES = ("haproxy", "istio", "application")
SERVICE_LEGEND = "{{destination_service_namespace}}/{{destination_service_name}}"

# Envoy's default access log line: [time] "METHOD PATH PROTO" CODE FLAGS DETAILS ...
ACCESS_LOG = '[<_>] "<method> <path> <_>" <status> <flags> <_>'


def _range_total(rate: str) -> str:
    """About how many events a recorded per-second rate adds up to over the selected range."""
    return f"sum(avg_over_time({rate}[$__range])) * $__range_s"


def build(s: GrafanaSettings) -> model.Dashboard:
    cm, sel_ = cluster_matcher(s), s.rules.selectors
    hc, istio = sel_.healthcheck_exporter, sel_.istio
    stage = sel(queries.STAGE_5XX, cm)
    ns = 'destination_service_namespace=~"$namespace"'

    def rate(metric: str, *matchers: str) -> str:
        return f"rate({sel(metric, *matchers)}[$__rate_interval])"

    totals = Row(
        "All stages",
        [
            *[
                stat_panel(
                    f"5xx from {name}",
                    f"5xx responses the `{name}` stage made in the selected range (from the "
                    "recorded 5m rate, so about the count).",
                    "0, or the handful a normal day has.",
                    [
                        promql(
                            _range_total(sel(queries.STAGE_5XX, cm, f'stage="{name}"')),
                            name,
                            instant=True,
                        )
                    ],
                    unit="short",
                    decimals=0,
                    width=8,
                )
                for name in STAGES
            ],
            timeseries_panel(
                "5xx per second by stage",
                "5xx per second, cluster-wide, stacked by the stage that made them.",
                "near zero. HAProxy: its backends are down or slow. Istio: an Envoy found no "
                "healthy upstream or timed out. Application: the service itself failed.",
                [promql(queries.stage_5xx(s), "{{stage}}")],
                unit="reqps",
                stack=True,
                min_=0,
            ),
            timeseries_panel(
                "Share of 5xx by stage",
                "Each stage's share of all 5xx: which part of the path to look at first.",
                "no share matters while the total is near zero.",
                [
                    promql(
                        f"sum by (stage) ({stage})\n/ ignoring (stage) group_left ()\n"
                        f"sum({stage}) * 100",
                        "{{stage}}",
                    )
                ],
                unit="percent",
                stack=True,
                min_=0,
                max_=100,
            ),
        ],
    )
    haproxy = Row(
        "HAProxy (raw exporter counters: last hours)",
        [
            timeseries_panel(
                "HAProxy frontend responses by code",
                "Responses per second of each HAProxy frontend by status class, deduplicated "
                "over the exporter's nodes (every node reads the same stats page).",
                "2xx/3xx dominate; 5xx near zero.",
                [
                    promql(
                        "sum by (target, proxy, code) (max by (target, proxy, code) ("
                        + rate("healthcheck_haproxy_frontend_http_responses_total", hc, cm)
                        + "))",
                        "{{target}} {{proxy}} {{code}}",
                    )
                ],
                unit="reqps",
                min_=0,
                links=[Link("HAProxy dashboard", f"{s.link('haproxy')}?${{__url_time_range}}")],
            ),
            timeseries_panel(
                "5xx returned by HAProxy's servers",
                "5xx per second each backend server answered, which HAProxy passed on: the "
                "`haproxy` stage is the frontend's 5xx minus these.",
                "near zero; one server standing out is the one to drain.",
                [
                    promql(
                        "max by (target, proxy, server) ("
                        + rate(
                            "healthcheck_haproxy_server_http_responses_total", hc, cm, 'code="5xx"'
                        )
                        + ")",
                        "{{target}} {{proxy}}/{{server}}",
                    )
                ],
                unit="reqps",
                min_=0,
            ),
        ],
    )
    envoy = Row(
        "Istio and application (raw istio_requests_total: last hours)",
        [
            timeseries_panel(
                "5xx made by Envoy, by response flag",
                "5xx an Envoy (gateway or sidecar) made itself, per service and Envoy response "
                "flag: UF upstream connection failure, UH no healthy upstream, URX retries "
                "exhausted, UT upstream timeout, NR no route, DC downstream disconnect.",
                "no lines. UH/UF: the service's pods are down or not ready; UT: it is too slow.",
                [
                    promql(
                        "sum by (destination_service_namespace, destination_service_name, "
                        "response_flags) (\n"
                        + rate(
                            "istio_requests_total",
                            istio,
                            cm,
                            ns,
                            'response_code=~"5.."',
                            'response_flags!="-"',
                        )
                        + "\n)",
                        f"{SERVICE_LEGEND} {{{{response_flags}}}}",
                    )
                ],
                unit="reqps",
                min_=0,
                legend_table=True,
            ),
            timeseries_panel(
                "5xx returned by applications",
                "5xx the applications answered themselves, as their own sidecar saw them, per "
                "service and status code.",
                "no lines; 500 is an application bug or a failed dependency, 503 often overload.",
                [
                    promql(
                        "sum by (destination_service_namespace, destination_service_name, "
                        "response_code) (\n"
                        + rate(
                            "istio_requests_total",
                            istio,
                            cm,
                            ns,
                            'reporter="destination"',
                            'response_code=~"5.."',
                            'response_flags="-"',
                        )
                        + "\n)",
                        f"{SERVICE_LEGEND} {{{{response_code}}}}",
                    )
                ],
                unit="reqps",
                min_=0,
                legend_table=True,
                links=[Link("Errors & latency", f"{s.link('services')}?${{__url_time_range}}")],
            ),
        ],
    )
    proxy = queries.log_selector("$namespace", f'container="{s.loki.proxy_container}"')
    access_5xx = f'{proxy} |~ `" 5[0-9][0-9] ` | pattern `{ACCESS_LOG}` | status >= 500'
    logs = Row(
        "Access logs of 5xx (Loki, istio-proxy)",
        [
            table_panel(
                "5xx requests by path",
                "The paths answered 5xx most often in the range, with status and Envoy flags, "
                "from the sidecars' access logs (needs meshConfig.accessLogFile: /dev/stdout).",
                "empty, or one path you already know about.",
                [
                    logql(
                        "topk(20, sum by (namespace, path, status, flags) "
                        f"(count_over_time({access_5xx} [$__range])))",
                        instant=True,
                    )
                ],
                columns=[
                    Column("namespace", "Namespace"),
                    Column("path", "Path"),
                    Column("status", "Status"),
                    Column("flags", "Envoy flags"),
                    Column("#A", "Requests", "short"),
                ],
                datasource=LOKI,
                sort_by="Requests",
                width=10,
                height=10,
            ),
            logs_panel(
                "5xx access log lines",
                "The newest access log lines with a 5xx status, as the sidecars wrote them.",
                "no lines.",
                access_5xx,
                width=14,
            ),
        ],
    )
    return build_dashboard(
        s,
        KEY,
        title="5xx by stage",
        description="Where 5xx answers arise: HAProxy, an Envoy or the application, and why.",
        rows=[totals, haproxy, envoy, logs],
        variables=[
            prometheus_datasource(),
            loki_datasource(),
            cluster(s, sel(queries.STAGE_5XX)),
            label_values(
                "namespace",
                sel("destination_service:istio_requests:rate5m", cm),
                "destination_service_namespace",
                title="Namespace",
            ),
        ],
    )
