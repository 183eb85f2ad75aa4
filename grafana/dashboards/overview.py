"""Cluster overview: the first page on call, with a way into every other dashboard.

The old page's "cluster overview (nodes, pods)", plus what the pack's other dashboards would
raise: busy nodes, failing probes, 5xx, and the pack's alerts of the day. Everything over a
long range reads recorded series; the alert counts read Prometheus' `ALERTS`.
"""

from __future__ import annotations

from grafana import queries
from grafana.layout import Row, build_dashboard
from grafana.panels import Link, stat_panel, state_timeline_panel, threshold_steps, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import promql
from grafana.variables import (
    alerts_cluster_matcher,
    cluster,
    cluster_matcher,
    prometheus_datasource,
)
from rules import build_groups, runbook_url
from rules.model import Alert, num, sel
from rules.settings import Threshold

KEY = "cluster-overview"
COUNT_RED = [(None, "green"), (1, "red")]
COUNT_ORANGE = [(None, "green"), (1, "orange")]
SEVERITY_COLOURS = {"critical": "red", "warning": "orange"}


def build(s: GrafanaSettings) -> model.Dashboard:
    t, cm, sel_ = s.thresholds, cluster_matcher(s), s.rules.selectors
    ksm, ne = sel_.kube_state_metrics, sel_.node_exporter
    ready = sel("kube_node_status_condition", ksm, cm, 'condition="Ready"', 'status="true"')
    nodes = sel("kube_node_info", ksm, cm)
    cpu = sel("instance:node_cpu_utilisation:rate5m", ne, cm)
    memory = sel("instance:node_memory_utilisation:ratio", ne, cm)
    fs = sel("instance_mountpoint:node_filesystem_used:ratio", ne, cm)
    names = sorted(
        {r.name for g in build_groups(s.rules) for r in g.rules if isinstance(r, Alert)}
        - {"HealthcheckWatchdog"}
    )
    pack_alerts = f'alertname=~"{"|".join(names)}"'
    alerts_cm = alerts_cluster_matcher(s)
    alerts = sel("ALERTS", pack_alerts, 'alertstate="firing"', alerts_cm)

    def phase(phases: str) -> str:
        pods = sel("kube_pod_status_phase", ksm, cm, f'phase=~"{phases}"')
        return f"sum({pods}) or vector(0)"

    def firing(severity: str) -> str:
        firing = sel(
            "ALERTS", pack_alerts, 'alertstate="firing"', alerts_cm, f'severity="{severity}"'
        )
        return f"count({firing}) or vector(0)"

    def open_(key: str, title: str) -> Link:
        return Link(title, f"{s.link(key)}?var-cluster=${{cluster}}&${{__url_time_range}}")

    cluster_row = Row(
        "Cluster",
        [
            stat_panel(
                "Nodes",
                "Nodes registered in the cluster.",
                "the number of nodes you run.",
                [promql(f"count({nodes})", "nodes", instant=True)],
                unit="short",
                width=4,
                links=[open_("nodes", "Nodes dashboard")],
            ),
            stat_panel(
                "Nodes not Ready",
                "Nodes whose Ready condition is not true: their pods are being evicted.",
                "0.",
                [
                    promql(
                        f"count({nodes}) - (sum({ready}) or vector(0))", "not ready", instant=True
                    )
                ],
                unit="short",
                steps=COUNT_RED,
                background=True,
                width=4,
            ),
            stat_panel(
                "Pods running",
                "Pods in phase Running, every namespace.",
                "about the usual number; a sudden drop means pods are gone.",
                [promql(phase("Running"), "running", instant=True)],
                unit="short",
                width=4,
                links=[open_("containers", "Workloads dashboard")],
            ),
            stat_panel(
                "Pods not running",
                "Pods Pending, Failed or Unknown, every namespace.",
                "0 for more than a few minutes at a time.",
                [promql(phase("Pending|Failed|Unknown"), "not running", instant=True)],
                unit="short",
                steps=COUNT_ORANGE,
                background=True,
                width=4,
            ),
            *[
                stat_panel(
                    f"{severity.capitalize()} alerts firing",
                    f"The pack's {severity} alerts firing now (each object counts once).",
                    "0. Each alert links its runbook; the table below lists today's.",
                    [promql(firing(severity), severity, instant=True)],
                    unit="short",
                    steps=[(None, "green"), (1, colour)],
                    background=True,
                    width=4,
                )
                for severity, colour in SEVERITY_COLOURS.items()
            ],
        ],
    )

    def usage_stat(
        title: str, series: str, what: str, threshold: Threshold, agg: str
    ) -> model.Panel:
        return stat_panel(
            title,
            what,
            f"under {threshold.warning:g}%.",
            [
                promql(f"avg({series}) * 100", "average", instant=True),
                promql(f"max({series}) * 100", agg, "B", instant=True),
            ],
            unit="percent",
            steps=threshold_steps(threshold),
            decimals=1,
            width=8,
            links=[open_("nodes", "Nodes dashboard")],
        )

    capacity = Row(
        "Capacity",
        [
            usage_stat(
                "CPU busy",
                cpu,
                "Node CPU busy: the cluster average and the busiest node.",
                t.cpu,
                "busiest",
            ),
            usage_stat(
                "Memory used",
                memory,
                "Node memory used: the cluster average and the fullest node.",
                t.memory,
                "fullest",
            ),
            usage_stat(
                "Filesystem used",
                fs,
                "Writable disk filesystems on the nodes: the average and the fullest one.",
                t.disk,
                "fullest",
            ),
            timeseries_panel(
                "CPU busy per node",
                "CPU busy per node with the alert thresholds dashed.",
                "under the orange line.",
                [promql(f"{cpu} * 100", "{{instance}}")],
                unit="percent",
                steps=threshold_steps(t.cpu),
                min_=0,
                max_=100,
                links=[open_("nodes", "Nodes dashboard")],
            ),
            timeseries_panel(
                "Memory used per node",
                "Memory used per node with the alert thresholds dashed.",
                "under the orange line.",
                [promql(f"{memory} * 100", "{{instance}}")],
                unit="percent",
                steps=threshold_steps(t.memory),
                min_=0,
                max_=100,
                links=[open_("nodes", "Nodes dashboard")],
            ),
        ],
    )
    requests = sel("destination_service:istio_requests:rate5m", cm)
    errors = sel("destination_service:istio_requests_5xx:rate5m", cm)
    p95 = sel(
        "destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile",
        cm,
        f'quantile="{num(s.rules.istio.latency_quantile)}"',
    )
    p_alert = f"p{num(s.rules.istio.latency_quantile * 100)}"
    share = sel(queries.PROBE_AVAILABILITY, cm)
    down_at = num(1 - s.rules.healthcheck.probe_failed_node_ratio)
    backends = sel("healthcheck_haproxy_backend_up", sel_.healthcheck_exporter, cm)
    health = Row(
        "Services and probes",
        [
            stat_panel(
                "5xx ratio, all services",
                "Share of all requests to meshed services answered 5xx.",
                f"under {t.error_rate.warning:g}%.",
                [
                    promql(
                        f"(sum({errors}) or vector(0)) / sum({requests}) * 100", "5xx", instant=True
                    )
                ],
                unit="percent",
                steps=threshold_steps(t.error_rate),
                decimals=2,
                links=[open_("services", "Errors & latency dashboard")],
            ),
            stat_panel(
                f"Slowest {p_alert}",
                f"The highest {p_alert} latency of any meshed service.",
                f"under {t.latency.warning:g} ms.",
                [promql(f"max({p95})", p_alert, instant=True)],
                unit="ms",
                steps=threshold_steps(t.latency),
                links=[open_("services", "Errors & latency dashboard")],
            ),
            stat_panel(
                "Healthcheck targets down",
                "Targets the healthcheck exporter fails to reach from enough nodes to page "
                "(HealthcheckProbeFailed).",
                "0.",
                [promql(f"count({share} <= {down_at}) or vector(0)", "targets", instant=True)],
                unit="short",
                steps=COUNT_RED,
                background=True,
                links=[open_("healthcheck", "Healthchecks dashboard")],
            ),
            stat_panel(
                "HAProxy backends down",
                "HAProxy backends with no server up: their requests get 503 (HAProxyBackendDown).",
                "0.",
                [
                    promql(
                        f"count(max by (target, proxy) ({backends}) == 0) or vector(0)",
                        "backends",
                        instant=True,
                    )
                ],
                unit="short",
                steps=COUNT_RED,
                background=True,
                links=[open_("haproxy", "HAProxy dashboard")],
            ),
            state_timeline_panel(
                "Probes: share of nodes reaching each target",
                "Per healthcheck target, the share of nodes whose probe succeeded: green all, "
                "orange some, red none.",
                "green throughout.",
                [promql(share, "{{kind}}/{{target}}")],
                steps=[(None, "red"), (0.0001, "orange"), (1, "green")],
                unit="percentunit",
                min_=0,
                max_=1,
                links=[open_("healthcheck", "Healthchecks dashboard")],
                width=12,
            ),
            timeseries_panel(
                "5xx per second by stage",
                "5xx per second by where they arose: haproxy, istio (an Envoy), application.",
                "near zero.",
                [promql(queries.stage_5xx(s), "{{stage}}")],
                unit="reqps",
                stack=True,
                min_=0,
                links=[open_("errors-by-stage", "5xx by stage dashboard")],
            ),
        ],
    )
    runbook = Link("Runbook", runbook_url("${__value.raw}", s.rules), new_tab=True)
    alerts_row = Row(
        "Alerts",
        [
            table_panel(
                "Alerts that fired in the range",
                "The pack's alerts that fired in the selected range, with how many objects "
                "(nodes, pods, targets, ...) each fired for. An alert name opens its runbook.",
                "empty, or alerts already handled.",
                [
                    promql(
                        "count by (alertname, severity) (max_over_time(" + alerts + "[$__range]))",
                        ref="A",
                        instant=True,
                        table_=True,
                    )
                ],
                columns=[
                    Column("alertname", "Alert", links=(runbook,)),
                    Column("severity", "Severity"),
                    Column("#A", "Objects", "short"),
                ],
                sort_by="Objects",
            ),
        ],
    )
    return build_dashboard(
        s,
        KEY,
        title="Cluster overview",
        description="Nodes, pods, capacity, probes, 5xx and the pack's alerts at a glance.",
        rows=[cluster_row, capacity, health, alerts_row],
        variables=[prometheus_datasource(), cluster(s, sel("kube_node_info", ksm))],
        time_from="now-24h",
    )
