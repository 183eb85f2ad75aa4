"""Alerts on the pack's own exporter: failed probes, its disk checks, the exporter itself, and a
Watchdog-style alert that always fires so a broken alert path is noticed.

The exporter runs as a DaemonSet, so every target is probed from every node (series labelled
`node`). A target that fails from all nodes (`healthcheck.probe_failed_node_ratio` of them) is
down: that pages (critical) after `healthcheck.probe_failed_scrapes` failed scrapes in a row,
seconds after they happen. A target that fails from some nodes only points at those nodes'
network path, DNS or exporter pod: a warning per node, after a minute. The old service
paged on each node's failure at once; this keeps the page for outages and the rest visible.
"""

from __future__ import annotations

from rules.alerts import levels
from rules.config import RulesConfig
from rules.model import (
    VALUE_PCT,
    VALUE_RATIO_PCT,
    Alert,
    RuleGroup,
    by,
    dedent,
    indent,
    label,
    num,
    on,
    sel,
)
from rules.probe_timing import failed_window

_PROBE = f"The {label('kind')} probe of {label('target')}"


def _scrapes(n: int) -> str:
    return "one scrape" if n == 1 else f"{n} scrapes"


def probe_alerts(cfg: RulesConfig) -> RuleGroup:
    """Probe alerts, in a group evaluated every `probe_group_interval` (1s).

    HealthcheckProbeFailed reads a window of `probe_failed_scrapes` scrapes plus one scrape
    timeout (rules/probe_timing.py): a node fails a target when none of its samples there
    succeeded and there are at least that many, so one failed scrape never pages, whatever the
    evaluation's phase, and a lasting failure pages one evaluation after the last of them arrived.
    """
    success = sel("healthcheck_probe_success", cfg.selectors.healthcheck_exporter)
    keys = ("kind", "target")
    h = cfg.healthcheck
    window = f"[{failed_window(h)}]"
    # A node fails a target: no success in the window, and enough samples to say "in a row".
    node_failing = dedent(f"""
        max_over_time({success}{window}) == 0
        and
        count_over_time({success}{window}) >= {h.probe_failed_scrapes}
    """)
    nodes = f"count {by(cfg, *keys)} (count_over_time({success}{window}))"
    failing = f"count {by(cfg, *keys)} (\n{indent(node_failing, 2)}\n)"
    failing_share = (
        f"(\n{indent(failing)}\n  /\n{indent(nodes)}\n) >= {num(h.probe_failed_node_ratio)}"
    )
    on_node = f"{node_failing}\nunless {on(cfg, *keys)}\n(\n{indent(failing_share)}\n)"
    for_failed = cfg.alert_for["HealthcheckProbeFailed"]
    for_on_node = cfg.alert_for["HealthcheckProbeFailedOnNode"]
    return RuleGroup(
        name="healthcheck-probes.alerts",
        file="healthcheck",
        interval=cfg.healthcheck.probe_group_interval,
        rules=(
            Alert(
                name="HealthcheckProbeFailed",
                severity="critical",
                expr=failing_share,
                for_=for_failed,
                summary="A healthcheck target is down.",
                description=f"{_PROBE} has failed {_scrapes(h.probe_failed_scrapes)} in a row "
                f"from {VALUE_RATIO_PCT} of the nodes running the healthcheck exporter.",
                dashboard="healthcheck",
            ),
            Alert(
                name="HealthcheckProbeFailedOnNode",
                severity="warning",
                expr=on_node,
                for_=for_on_node,
                summary="A healthcheck target cannot be reached from one node.",
                description=f"{_PROBE} has failed from node {label('node')} for {for_on_node}, "
                "while it succeeds from other nodes.",
                dashboard="healthcheck",
            ),
        ),
    )


def exporter_alerts(cfg: RulesConfig) -> RuleGroup:
    hc = cfg.selectors.healthcheck_exporter
    rules: list[Alert] = []
    name = "HealthcheckDiskUsageHigh"
    for severity, value in levels(cfg.thresholds.disk):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{sel('healthcheck_disk_used_ratio', hc)} * 100 > {num(value)}",
                for_=cfg.alert_for[name],
                summary="A disk checked by the healthcheck exporter is filling up.",
                description=f"Disk {label('target')} ({label('mountpoint')}) on node "
                f"{label('node')} has been more than {num(value)}% full for "
                f"{cfg.alert_for[name]}; it is {VALUE_PCT} full.",
                dashboard="healthcheck",
            )
        )
    rules += [
        Alert(
            name="HealthcheckExporterAbsent",
            severity="critical",
            expr=f"absent({sel('up', hc)} == 1)",
            for_=cfg.alert_for["HealthcheckExporterAbsent"],
            summary="No healthcheck exporter is being scraped.",
            description="Prometheus has scraped no healthcheck exporter successfully for "
            f"{cfg.alert_for['HealthcheckExporterAbsent']}: no probe runs, so no probe, disk "
            "or HAProxy alert can fire.",
            dashboard="healthcheck",
        ),
        Alert(
            name="HealthcheckExporterDown",
            severity="warning",
            expr=f"{sel('up', hc)} == 0",
            for_=cfg.alert_for["HealthcheckExporterDown"],
            summary="A healthcheck exporter cannot be scraped.",
            description=f"Prometheus has failed to scrape the healthcheck exporter "
            f"{label('instance')} on node {label('node')} for "
            f"{cfg.alert_for['HealthcheckExporterDown']}: nothing is probed from that node.",
            dashboard="healthcheck",
        ),
        Alert(
            name="HealthcheckConfigReloadFailed",
            severity="warning",
            expr=f"{sel('healthcheck_config_last_reload_successful', hc)} == 0",
            for_=cfg.alert_for["HealthcheckConfigReloadFailed"],
            summary="A healthcheck exporter failed to reload its config.",
            description=f"The healthcheck exporter {label('instance')} on node {label('node')} "
            "could not load its changed config; it keeps probing the targets of the last "
            "config that loaded.",
            dashboard="healthcheck",
        ),
        Alert(
            name="HealthcheckWatchdog",
            severity="none",
            expr="vector(1)",
            for_="0s",
            summary="Always firing: proves that the pack's alerts reach their receivers.",
            description="This alert always fires. Prometheus evaluates the pack's rules and "
            "Alertmanager forwards the alert: route it to a dead man's switch that pages when "
            "it stops arriving. Its absence means the pack's rules are not loaded or alerts "
            "do not get through.",
        ),
    ]
    return RuleGroup(name="healthcheck-exporter.alerts", file="healthcheck", rules=tuple(rules))
