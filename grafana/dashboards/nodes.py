"""Nodes: CPU, memory and filesystems per node against the alert thresholds, and the inventory.

The old page's "node CPU and memory". Usage panels read node-mixin's recorded series (cheap over
30 days); the detail row reads raw node_exporter series, for the last hours. The `node` variable
holds node_exporter's `instance`, which kube-prometheus relabels to the node name, so the same
value also selects kube-state-metrics' `node` label in the inventory table.
"""

from __future__ import annotations

from typing import TypedDict

from grafana.layout import Row, build_dashboard
from grafana.panels import Link, stat_panel, state_mapping, threshold_steps, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import promql
from grafana.variables import cluster, cluster_matcher, label_values, prometheus_datasource
from rules import runbook_url
from rules.model import sel

KEY = "nodes"
READY = state_mapping({"1": ("Ready", "green"), "0": ("NotReady", "red")})


class _PercentAxis(TypedDict):
    unit: str
    min_: float
    max_: float


def build(s: GrafanaSettings) -> model.Dashboard:
    sel_, t = s.rules.selectors, s.thresholds
    ne, cm, ksm = sel_.node_exporter, cluster_matcher(s), sel_.kube_state_metrics
    node, ksm_node = 'instance=~"$node"', 'node=~"$node"'
    cpu = sel("instance:node_cpu_utilisation:rate5m", ne, cm, node)
    memory = sel("instance:node_memory_utilisation:ratio", ne, cm, node)
    fs = sel("instance_mountpoint:node_filesystem_used:ratio", ne, cm, node)
    runbook = {
        name: Link(f"Runbook: {name}", runbook_url(name, s.rules), new_tab=True)
        for name in ("NodeCPUUsageHigh", "NodeMemoryUsageHigh", "NodeFilesystemUsageHigh")
    }
    pct: _PercentAxis = {"unit": "percent", "min_": 0.0, "max_": 100.0}
    workloads = Link(
        "Pods on this node",
        f"{s.link('containers')}?var-cluster=${{cluster}}&var-node=${{__data.fields.Node}}"
        "&${__url_time_range}",
    )

    now = Row(
        "Now",
        [
            stat_panel(
                "CPU busy",
                "Share of each node's CPU time not idle, averaged over its cores (5m rate).",
                f"under {t.cpu.warning:g}% (NodeCPUUsageHigh warns above it for "
                f"{s.alert_for('NodeCPUUsageHigh')}).",
                [promql(f"{cpu} * 100", "{{instance}}", instant=True)],
                unit="percent",
                steps=threshold_steps(t.cpu),
                decimals=1,
                width=8,
            ),
            stat_panel(
                "Memory used",
                "Share of each node's memory not available to new processes.",
                f"under {t.memory.warning:g}%.",
                [promql(f"{memory} * 100", "{{instance}}", instant=True)],
                unit="percent",
                steps=threshold_steps(t.memory),
                decimals=1,
                width=8,
            ),
            stat_panel(
                "Fullest filesystem",
                "Per node, the fullest writable disk filesystem (space used as `df` shows it).",
                f"under {t.disk.warning:g}%.",
                [promql(f"max by (instance) ({fs}) * 100", "{{instance}}", instant=True)],
                unit="percent",
                steps=threshold_steps(t.disk),
                decimals=1,
                width=8,
            ),
        ],
    )
    usage = Row(
        "Usage against the alert thresholds",
        [
            timeseries_panel(
                "CPU busy per node",
                "CPU busy per node; dashed lines are the alert thresholds from rules/config.yaml.",
                "lines stay under the orange line; short peaks are normal, the alert needs "
                f"{s.alert_for('NodeCPUUsageHigh')}.",
                [promql(f"{cpu} * 100", "{{instance}}")],
                steps=threshold_steps(t.cpu),
                links=[runbook["NodeCPUUsageHigh"]],
                **pct,
            ),
            timeseries_panel(
                "Memory used per node",
                "Memory used per node (1 - MemAvailable / MemTotal), with the alert thresholds.",
                "flat lines under the orange line; a steady climb is a leak to follow up.",
                [promql(f"{memory} * 100", "{{instance}}")],
                steps=threshold_steps(t.memory),
                links=[runbook["NodeMemoryUsageHigh"]],
                **pct,
            ),
            timeseries_panel(
                "Filesystem used",
                "Space used per node and mountpoint (ext4, xfs, btrfs, zfs; read-only left out).",
                "under the orange line, and no line climbing fast towards the red one.",
                [promql(f"{fs} * 100", "{{instance}} {{mountpoint}}")],
                steps=threshold_steps(t.disk),
                links=[runbook["NodeFilesystemUsageHigh"]],
                **pct,
            ),
            table_panel(
                "Nodes",
                "Every node: Kubernetes' Ready condition, kubelet and OS, capacity, and usage now. "
                "A node name opens the Workloads dashboard filtered to its pods.",
                "every node Ready, usage cells green.",
                [
                    promql(
                        "max by (node, kubelet_version, os_image) "
                        f"({sel('kube_node_info', ksm, cm, ksm_node)})",
                        ref="A",
                        instant=True,
                        table_=True,
                    ),
                    promql(
                        "max by (node) ("
                        + sel(
                            "kube_node_status_condition",
                            ksm,
                            cm,
                            ksm_node,
                            'condition="Ready"',
                            'status="true"',
                        )
                        + ")",
                        ref="B",
                        instant=True,
                        table_=True,
                    ),
                    *[
                        promql(
                            "max by (node) ("
                            + sel(
                                "kube_node_status_capacity",
                                ksm,
                                cm,
                                ksm_node,
                                f'resource="{res}"',
                            )
                            + ")",
                            ref=ref,
                            instant=True,
                            table_=True,
                        )
                        for ref, res in (("C", "cpu"), ("D", "memory"))
                    ],
                    *[
                        promql(
                            f'max by (node) (label_replace({series}, "node", "$1", "instance", '
                            '"(.*)")) * 100',
                            ref=ref,
                            instant=True,
                            table_=True,
                        )
                        for ref, series in (("E", cpu), ("F", memory))
                    ],
                ],
                columns=[
                    Column("node", "Node", links=(workloads,)),
                    Column("#B", "Ready", mappings=(READY,)),
                    Column("kubelet_version", "Kubelet"),
                    Column("os_image", "OS"),
                    Column("#C", "CPUs", unit="short"),
                    Column("#D", "Memory", unit="bytes"),
                    Column("#E", "CPU busy", "percent", threshold_steps(t.cpu), 1),
                    Column("#F", "Memory used", "percent", threshold_steps(t.memory), 1),
                ],
                width=12,
            ),
        ],
    )
    raw_ne = (ne, cm, node)
    detail = Row(
        "Detail (raw node_exporter series: for the last hours, slow over weeks)",
        [
            timeseries_panel(
                "CPU time by mode",
                "Share of each node's CPU time per mode except idle: `iowait` is waiting for "
                "disks, `steal` is time the hypervisor gave to other guests.",
                "mostly `user` and `system`; iowait or steal above a few % explain slowness.",
                [
                    promql(
                        "sum by (instance, mode) (rate("
                        + sel("node_cpu_seconds_total", *raw_ne, 'mode!="idle"')
                        + "[$__rate_interval]))\n/ on (instance) group_left ()\n"
                        + "count by (instance) ("
                        + sel("node_cpu_seconds_total", *raw_ne, 'mode="idle"')
                        + ") * 100",
                        "{{instance}} {{mode}}",
                    )
                ],
                unit="percent",
                min_=0,
                stack=True,
                width=8,
            ),
            timeseries_panel(
                "Memory available",
                "Bytes available to new processes without swapping, against each node's total.",
                "available stays well above zero; the gap to total is what is in use.",
                [
                    promql(
                        sel("node_memory_MemAvailable_bytes", *raw_ne), "{{instance}} available"
                    ),
                    promql(sel("node_memory_MemTotal_bytes", *raw_ne), "{{instance}} total", "B"),
                ],
                unit="bytes",
                min_=0,
                width=8,
            ),
            timeseries_panel(
                "Filesystem space available",
                "Bytes available to non-root users per node and mountpoint.",
                "no line heading to zero; the time it would take is the time left to act.",
                [
                    promql(
                        sel("node_filesystem_avail_bytes", *raw_ne, sel_.node_filesystem),
                        "{{instance}} {{mountpoint}}",
                    )
                ],
                unit="bytes",
                min_=0,
                width=8,
            ),
        ],
    )
    series = sel("instance:node_cpu_utilisation:rate5m", ne)
    return build_dashboard(
        s,
        KEY,
        title="Nodes",
        description="CPU, memory and filesystems per node against the alert thresholds.",
        rows=[now, usage, detail],
        variables=[
            prometheus_datasource(),
            cluster(s, series),
            label_values(
                "node",
                sel("instance:node_cpu_utilisation:rate5m", ne, cm),
                "instance",
                description="Nodes, as node_exporter's instance label names them.",
            ),
        ],
    )
