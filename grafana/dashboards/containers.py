"""Workloads: pods and containers against their requests and limits, restarts, OOM kills.

The old page's "pod and container CPU and memory", and where ContainerCPUNearLimit and
ContainerMemoryNearLimit link (file containers.json). Usage reads kubernetes-mixin's recorded
series and the pack's usage-per-limit ratios, the very series the alerts compare; requests,
restarts and termination reasons are kube-state-metrics' own (one series per container, cheap).
kube-state-metrics' restart and phase series have no `node` label: the node filter reaches them
through `kube_pod_info`, which says where each pod runs.
"""

from __future__ import annotations

from grafana.layout import Row, build_dashboard
from grafana.panels import Link, stat_panel, threshold_steps, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import promql
from grafana.variables import cluster, cluster_matcher, label_values, prometheus_datasource
from rules import runbook_url
from rules.model import sel

KEY = "containers"
COUNT_STEPS = [(None, "green"), (1, "orange")]
RESTART_STEPS = [(None, "green"), (1, "orange"), (5, "red")]


def build(s: GrafanaSettings) -> model.Dashboard:
    t, ksm, c = s.thresholds, s.rules.selectors.kube_state_metrics, s.cluster_label
    cm = cluster_matcher(s)
    ns, node, pod = 'namespace=~"$namespace"', 'node=~"$node"', 'pod=~"$pod"'
    keys = f"{c}, namespace, pod"
    pod_info = sel("kube_pod_info", ksm, cm, ns, node, pod)

    def on_node(expr: str) -> str:
        """Keep series of pods on the selected nodes (for series without a node label)."""
        return f"(\n{expr}\n)\n* on ({keys}) group_left ()\nmax by ({keys}) ({pod_info})"

    def rec(name: str) -> str:
        return sel(name, cm, ns, node, pod)

    cpu_ratio = rec("node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m")
    mem_ratio = rec("node_namespace_pod_container:container_memory_working_set_per_limit:ratio")
    cpu_used = rec("node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m")
    mem_used = rec("node_namespace_pod_container:container_memory_working_set_bytes")
    limits = {
        res: rec(f"cluster:namespace:pod_{res}:active:kube_pod_container_resource_limits")
        for res in ("cpu", "memory")
    }
    active = sel("kube_pod_status_phase", ksm, cm, ns, pod, 'phase=~"Pending|Running"')
    requests = {
        res: sel(
            "kube_pod_container_resource_requests", ksm, cm, ns, node, pod, f'resource="{res}"'
        )
        + f"\n* on ({keys}) group_left ()\nmax by ({keys}) ({active} == 1)"
        for res in ("cpu", "memory")
    }
    restarts = sel("kube_pod_container_status_restarts_total", ksm, cm, ns, pod)

    def last_reason(*extra: str) -> str:
        return sel("kube_pod_container_status_last_terminated_reason", ksm, cm, ns, pod, *extra)

    ctr = "namespace, pod, container"
    oom_killed = last_reason('reason="OOMKilled"')
    legend = "{{namespace}}/{{pod}}/{{container}}"

    def count_above(ratio: str, warning: float) -> str:
        return f"count({ratio} * 100 > {warning:g}) or vector(0)"

    def pods_in(phases: str) -> str:
        phase = sel("kube_pod_status_phase", ksm, cm, ns, pod, f'phase=~"{phases}"')
        by_pod = f"max by ({keys}) ({phase} == 1)"
        return f"count(\n{on_node(by_pod)}\n) or vector(0)"

    now = Row(
        "Now",
        [
            stat_panel(
                "Pods running",
                "Pods in phase Running in the selected namespaces and nodes.",
                "the number you expect to run; a drop means pods are gone or not starting.",
                [promql(pods_in("Running"), "running", instant=True)],
                unit="short",
                width=4,
            ),
            stat_panel(
                "Pods not running",
                "Pods Pending (not scheduled or pulling), Failed or Unknown (node lost).",
                "0. Pending for minutes: look at the pod's events (kubectl describe pod).",
                [promql(pods_in("Pending|Failed|Unknown"), "not running", instant=True)],
                unit="short",
                steps=COUNT_STEPS,
                background=True,
                width=4,
            ),
            stat_panel(
                "Containers near the CPU limit",
                f"Containers using more than {t.cpu.warning:g}% of their CPU limit now "
                f"(ContainerCPUNearLimit fires after {s.alert_for('ContainerCPUNearLimit')}). "
                "Near the limit, the kernel throttles.",
                "0.",
                [promql(count_above(cpu_ratio, t.cpu.warning), "containers", instant=True)],
                unit="short",
                steps=COUNT_STEPS,
                background=True,
                width=4,
            ),
            stat_panel(
                "Containers near the memory limit",
                f"Containers whose working set is above {t.memory.warning:g}% of their memory "
                "limit now. At the limit, the kernel OOM-kills the container.",
                "0.",
                [promql(count_above(mem_ratio, t.memory.warning), "containers", instant=True)],
                unit="short",
                steps=COUNT_STEPS,
                background=True,
                width=4,
            ),
            stat_panel(
                "Restarts",
                "Container restarts in the selected time range.",
                "0; a few after a deploy or node drain are normal, steady restarts are not.",
                [
                    promql(
                        f"sum(\n{on_node(f'increase({restarts}[$__range])')}\n) or vector(0)",
                        "restarts",
                        instant=True,
                    )
                ],
                unit="short",
                steps=RESTART_STEPS,
                background=True,
                decimals=0,
                width=4,
            ),
            stat_panel(
                "Last terminated by OOM",
                "Containers whose last termination was an OOM kill (kube-state-metrics keeps the "
                "reason until the next termination, however long ago that was).",
                "0; otherwise raise the memory limit or find the leak (Memory row).",
                [
                    promql(
                        "count(\n"
                        + on_node(f"max by ({c}, {ctr}) ({oom_killed} == 1)")
                        + "\n) or vector(0)",
                        "containers",
                        instant=True,
                    )
                ],
                unit="short",
                steps=COUNT_STEPS,
                background=True,
                width=4,
            ),
        ],
    )

    def usage_row(res: str, title: str, ratio: str, used: str, unit: str) -> Row:
        alert = "ContainerCPUNearLimit" if res == "cpu" else "ContainerMemoryNearLimit"
        steps = threshold_steps(t.cpu if res == "cpu" else t.memory)
        return Row(
            title,
            [
                timeseries_panel(
                    f"{title} used / limit per container",
                    f"{title} used as a share of each container's limit: what {alert} compares "
                    "with the dashed thresholds. Containers without a limit are not shown.",
                    "every line under the orange one.",
                    [promql(f"{ratio} * 100", legend)],
                    unit="percent",
                    steps=steps,
                    min_=0,
                    soft_max=100,
                    legend_table=True,
                    links=[Link(f"Runbook: {alert}", runbook_url(alert, s.rules), new_tab=True)],
                ),
                timeseries_panel(
                    f"{title}: used, requested, limit",
                    f"Sum over the selected containers of {title.lower()} used, requested "
                    "(what the scheduler reserves) and the limits (what the kernel enforces), "
                    "for pods Pending or Running.",
                    "used between requests and limits; used far below requests wastes capacity.",
                    [
                        promql(f"sum({used})", "used"),
                        promql(f"sum(\n{requests[res]}\n)", "requests", "B"),
                        promql(f"sum({limits[res]})", "limits", "C"),
                    ],
                    unit=unit,
                    min_=0,
                ),
            ],
        )

    cpu_row = usage_row("cpu", "CPU", cpu_ratio, cpu_used, "short")
    memory_row = usage_row("memory", "Memory", mem_ratio, mem_used, "bytes")

    def per_ctr(expr: str, agg: str = "sum", *extra: str) -> str:
        return f"{agg} by ({', '.join((ctr, *extra))}) (\n{expr}\n)"

    table_queries = [
        (per_ctr(cpu_used), "CPU used", "short", None),
        (per_ctr(requests["cpu"]), "CPU request", "short", None),
        (per_ctr(limits["cpu"]), "CPU limit", "short", None),
        (per_ctr(cpu_ratio, "max") + " * 100", "CPU % of limit", "percent", t.cpu),
        (per_ctr(mem_used, "max"), "Memory used", "bytes", None),
        (per_ctr(requests["memory"]), "Memory request", "bytes", None),
        (per_ctr(limits["memory"]), "Memory limit", "bytes", None),
        (per_ctr(mem_ratio, "max") + " * 100", "Memory % of limit", "percent", t.memory),
    ]
    refs = "ABCDEFGH"
    containers = Row(
        "Containers",
        [
            table_panel(
                "Containers: usage against requests and limits",
                "Per container, now: CPU (cores) and memory used, requested and limited, and "
                "used as a share of the limit (coloured by the alert thresholds). Empty request "
                "or limit cells mean none is set.",
                "green cells; usage far below the request means the request can come down.",
                [
                    promql(expr, ref=ref, instant=True, table_=True)
                    for ref, (expr, _, _, _) in zip(refs, table_queries, strict=True)
                ],
                columns=[
                    Column("namespace", "Namespace"),
                    Column("pod", "Pod"),
                    Column("container", "Container"),
                    *[
                        Column(
                            f"#{ref}",
                            name,
                            unit,
                            threshold_steps(th) if th else None,
                            1 if unit == "percent" else None,
                        )
                        for ref, (_, name, unit, th) in zip(refs, table_queries, strict=True)
                    ],
                ],
                sort_by="CPU % of limit",
                height=10,
            ),
        ],
    )
    restarts_row = Row(
        "Restarts and OOM kills",
        [
            timeseries_panel(
                "Container restarts",
                "Restarts per container in each interval; the legend totals them over the range.",
                "no bars. Bars that repeat mean a crash loop: check the last termination reason.",
                [
                    promql(
                        per_ctr(on_node(f"increase({restarts}[$__interval])")),
                        legend,
                    )
                ],
                unit="short",
                bars=True,
                min_=0,
                interval="5m",
                legend_table=True,
                calcs=("sum", "max"),
            ),
            table_panel(
                "Restarts and last termination reason",
                "Restarts per container in the selected range, and why each container last "
                "terminated (OOMKilled, Error, Completed, ...), as kube-state-metrics reports it.",
                "0 restarts; OOMKilled means the memory limit is too low or the app leaks.",
                [
                    promql(
                        f"sort_desc(\n{per_ctr(on_node(f'increase({restarts}[$__range])'))}\n)",
                        ref="A",
                        instant=True,
                        table_=True,
                    ),
                    promql(
                        per_ctr(on_node(f"{last_reason()} == 1"), "max", "reason"),
                        ref="B",
                        instant=True,
                        table_=True,
                    ),
                ],
                columns=[
                    Column("namespace", "Namespace"),
                    Column("pod", "Pod"),
                    Column("container", "Container"),
                    Column("#A", "Restarts", "short", RESTART_STEPS, 0),
                    Column("reason", "Last termination"),
                ],
                sort_by="Restarts",
                width=12,
            ),
        ],
    )
    pods = sel("kube_pod_info", ksm)
    return build_dashboard(
        s,
        KEY,
        title="Workloads",
        description="Pods and containers against their requests and limits; restarts, OOM kills.",
        rows=[now, cpu_row, memory_row, containers, restarts_row],
        variables=[
            prometheus_datasource(),
            cluster(s, pods),
            label_values("namespace", sel("kube_pod_info", ksm, cm)),
            label_values("node", sel("kube_pod_info", ksm, cm, ns)),
            label_values("pod", sel("kube_pod_info", ksm, cm, ns, node)),
        ],
    )
