"""Healthchecks: what the healthcheck exporter DaemonSet sees, per node and target.

Where the HealthcheckProbeFailed/-OnNode, disk and exporter alerts link (file healthcheck.json).
The exporter runs on every node and probes every target, so a probe has one series per node: a
target red on every row is down; red on one node's rows points at that node (network, DNS, the
exporter pod). The availability panels read the recorded share of nodes reaching each target,
cheap over weeks; the per-node panels read the exporter's series.
"""

from __future__ import annotations

from grafana import queries
from grafana.layout import Row, build_dashboard
from grafana.panels import (
    UP_DOWN,
    Link,
    stat_panel,
    state_mapping,
    state_timeline_panel,
    threshold_steps,
    timeseries_panel,
)
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.targets import promql
from grafana.variables import cluster, cluster_matcher, label_values, prometheus_datasource
from rules import runbook_url
from rules.model import num, sel
from rules.probe_timing import page_budget

KEY = "healthcheck"
COUNT_RED = [(None, "green"), (1, "red")]
COUNT_ORANGE = [(None, "green"), (1, "orange")]
# Share of nodes that reach a target: all (green), some (orange), none (red).
SHARE_STEPS = [(None, "red"), (0.0001, "orange"), (1, "green")]
RELOAD = state_mapping({"1": ("OK", "green"), "0": ("FAILED", "red")})


def build(s: GrafanaSettings) -> model.Dashboard:
    hc, cm, t = s.rules.selectors.healthcheck_exporter, cluster_matcher(s), s.thresholds
    node, kind, target = 'node=~"$node"', 'kind=~"$kind"', 'target=~"$target"'
    probe = sel("healthcheck_probe_success", hc, cm, node, kind, target)
    share = sel(queries.PROBE_AVAILABILITY, cm, kind, target)
    ratio = num(s.rules.healthcheck.probe_failed_node_ratio)
    failing = f"count by (kind, target) ({probe} == 0)\n/\ncount by (kind, target) ({probe})"

    probe_for = s.alert_for("HealthcheckProbeFailed")
    hc_timing = s.rules.healthcheck
    budget = page_budget(hc_timing, probe_for).worst
    probe_for = "" if probe_for == "0s" else f", then for {probe_for}"

    def runbook(name: str) -> Link:
        return Link(f"Runbook: {name}", runbook_url(name, s.rules), new_tab=True)

    now = Row(
        "Now",
        [
            stat_panel(
                "Targets down",
                f"Targets failing from at least {float(ratio):.0%} of the exporter's nodes: "
                "what HealthcheckProbeFailed (critical) pages for after "
                f"{s.rules.healthcheck.probe_failed_scrapes} failed scrapes in a row{probe_for}.",
                "0.",
                [
                    promql(
                        f"count(\n({failing}) >= {ratio}\n) or vector(0)", "targets", instant=True
                    )
                ],
                unit="short",
                steps=COUNT_RED,
                background=True,
                links=[runbook("HealthcheckProbeFailed")],
            ),
            stat_panel(
                "Targets failing from some nodes",
                "Targets that fail from some nodes but not enough to page: usually those nodes' "
                "network or DNS (HealthcheckProbeFailedOnNode warns after "
                f"{s.alert_for('HealthcheckProbeFailedOnNode')}).",
                "0.",
                [promql(f"count(\n({failing}) < {ratio}\n) or vector(0)", "targets", instant=True)],
                unit="short",
                steps=COUNT_ORANGE,
                background=True,
                links=[runbook("HealthcheckProbeFailedOnNode")],
            ),
            stat_panel(
                "Exporter pods down",
                "Exporter pods whose last scrape failed (HealthcheckExporterDown after "
                f"{s.alert_for('HealthcheckExporterDown')}); while one is down, its node probes "
                "nothing.",
                "0.",
                [
                    promql(
                        f"count({sel('up', hc, cm, node)} == 0) or vector(0)", "pods", instant=True
                    )
                ],
                unit="short",
                steps=COUNT_ORANGE,
                background=True,
                links=[runbook("HealthcheckExporterDown")],
            ),
            stat_panel(
                "Config reloads failed",
                "Exporter pods that could not load their changed config and still probe with "
                "the old one (HealthcheckConfigReloadFailed after "
                f"{s.alert_for('HealthcheckConfigReloadFailed')}).",
                "0.",
                [
                    promql(
                        "count("
                        + sel("healthcheck_config_last_reload_successful", hc, cm, node)
                        + " == 0) or vector(0)",
                        "pods",
                        instant=True,
                    )
                ],
                unit="short",
                steps=COUNT_ORANGE,
                background=True,
                links=[runbook("HealthcheckConfigReloadFailed")],
            ),
        ],
    )
    probes = Row(
        "Probes",
        [
            state_timeline_panel(
                "Probe result per node and target",
                "Each node's probe of each target, as the exporter on that node saw it.",
                "all green. A target red on every node is down; one node red on every target "
                "is that node's network or exporter.",
                [
                    promql(
                        f"max by (node, kind, target) ({probe})",
                        "{{node}} {{kind}}/{{target}}",
                    )
                ],
                mappings=[UP_DOWN],
                steps=[(None, "red"), (1, "green")],
                links=[runbook("HealthcheckProbeFailed"), runbook("HealthcheckProbeFailedOnNode")],
                height=10,
            ),
            state_timeline_panel(
                "Share of nodes reaching each target",
                "Per target, the share of the exporter's nodes whose probe succeeded (recorded, "
                "cheap over weeks): green all, orange some, red none.",
                "green throughout; orange stretches are partial outages worth explaining.",
                [promql(f"{share}", "{{kind}}/{{target}}")],
                steps=SHARE_STEPS,
                unit="percentunit",
                min_=0,
                max_=1,
                width=16,
            ),
            stat_panel(
                "Availability in the range",
                "Per target, the average share of nodes that reached it over the selected range.",
                "100% (99.9% is about 43 minutes of a month down).",
                [
                    promql(
                        f"avg_over_time({share}[$__range]) * 100",
                        "{{kind}}/{{target}}",
                        instant=True,
                    )
                ],
                unit="percent",
                steps=[(None, "red"), (99, "orange"), (99.9, "green")],
                decimals=2,
                width=8,
                height=8,
            ),
            timeseries_panel(
                "Probe duration",
                "How long each probe took per node, failed or not; a probe that hits its timeout "
                "fails.",
                "well under the target's timeout (5s by default), and alike across nodes.",
                [
                    promql(
                        "max by (node, kind, target) ("
                        + sel("healthcheck_probe_duration_seconds", hc, cm, node, kind, target)
                        + ")",
                        "{{node}} {{kind}}/{{target}}",
                    )
                ],
                unit="s",
                min_=0,
                legend_table=True,
                width=24,
            ),
        ],
    )
    haproxy_and_disks = Row(
        "HAProxy and disks",
        [
            state_timeline_panel(
                "HAProxy servers",
                "Each HAProxy backend server as HAProxy's own health checks see it (the same "
                "from every node, so deduplicated). Details on the HAProxy dashboard.",
                "all UP; MAINT or DRAIN during planned work shows as UP or DOWN as HAProxy says.",
                [
                    promql(
                        "max by (target, proxy, server) ("
                        + sel("healthcheck_haproxy_server_up", hc, cm)
                        + ")",
                        "{{target}} {{proxy}}/{{server}}",
                    )
                ],
                mappings=[UP_DOWN],
                steps=[(None, "red"), (1, "green")],
                links=[Link("HAProxy dashboard", f"{s.link('haproxy')}?${{__url_time_range}}")],
                width=12,
            ),
            timeseries_panel(
                "Disk used per mount",
                "Space used on each checked mount per node (as `df` shows it), with the alert "
                "thresholds dashed.",
                "under the orange line, and no line climbing fast towards the red one.",
                [
                    promql(
                        "max by (node, target, mountpoint) ("
                        + sel("healthcheck_disk_used_ratio", hc, cm, node, target)
                        + ") * 100",
                        "{{node}} {{target}} {{mountpoint}}",
                    )
                ],
                unit="percent",
                steps=threshold_steps(t.disk),
                min_=0,
                max_=100,
                links=[runbook("HealthcheckDiskUsageHigh")],
            ),
        ],
    )
    exporter = Row(
        "Exporter",
        [
            state_timeline_panel(
                "Exporter scrapes",
                "Whether Prometheus could scrape the exporter pod on each node.",
                "all UP. A DOWN row: that node's pod is crashing, not ready or unreachable.",
                [promql(f"max by (node) ({sel('up', hc, cm, node)})", "{{node}}")],
                mappings=[UP_DOWN],
                steps=[(None, "red"), (1, "green")],
                links=[runbook("HealthcheckExporterDown"), runbook("HealthcheckExporterAbsent")],
                width=8,
            ),
            timeseries_panel(
                "Scrape duration",
                "How long each exporter pod took to run all its probes for one scrape; the probes "
                "run concurrently, so this is about the slowest probe.",
                f"well under the {hc_timing.scrape_timeout} scrape timeout the "
                f"{budget:g}-second paging budget assumes (rules/README.md).",
                [
                    promql(
                        "max by (node) ("
                        + sel("healthcheck_scrape_duration_seconds", hc, cm, node)
                        + ")",
                        "{{node}}",
                    )
                ],
                unit="s",
                min_=0,
                width=8,
            ),
            state_timeline_panel(
                "Config reload",
                "Whether each exporter pod's last config (re)load succeeded.",
                "all OK. FAILED: the pod keeps probing with its previous config.",
                [
                    promql(
                        "max by (node) ("
                        + sel("healthcheck_config_last_reload_successful", hc, cm, node)
                        + ")",
                        "{{node}}",
                    )
                ],
                mappings=[RELOAD],
                steps=[(None, "red"), (1, "green")],
                links=[runbook("HealthcheckConfigReloadFailed")],
                width=8,
            ),
        ],
    )
    probe_series = sel("healthcheck_probe_success", hc, cm)
    return build_dashboard(
        s,
        KEY,
        title="Healthchecks",
        description="Probe results per node and target, HAProxy servers, disks, the exporter.",
        rows=[now, probes, haproxy_and_disks, exporter],
        variables=[
            prometheus_datasource(),
            cluster(s, sel("healthcheck_probe_success", hc)),
            label_values("node", probe_series, description="Nodes the exporter runs on."),
            label_values("kind", probe_series, description="Probe kind: tcp, http, haproxy, disk."),
            label_values("target", sel("healthcheck_probe_success", hc, cm, kind)),
        ],
        time_from="now-3h",
        refresh="30s",
    )
