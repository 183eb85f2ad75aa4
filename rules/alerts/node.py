"""Node alerts from node_exporter: CPU, memory and filesystem usage, the old service's node checks.

They compare the recorded node-mixin series (rules/recording.py) with the old ConfigMap's
thresholds. `for` is 15m by default, as node-mixin's NodeCPUHighUsage: a node busy for a few
minutes is normal; one busy for a quarter of an hour needs a look.
"""

from __future__ import annotations

from rules.alerts import THRESHOLD_ALERTS, levels
from rules.config import RulesConfig
from rules.model import VALUE_PCT, Alert, RuleGroup, label, num, sel


def node_alerts(cfg: RulesConfig) -> RuleGroup:
    t = cfg.thresholds
    node = cfg.selectors.node_exporter
    rules: list[Alert] = []
    name = THRESHOLD_ALERTS["cpu"]
    for severity, value in levels(t.cpu):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{sel('instance:node_cpu_utilisation:rate5m', node)} * 100 > {num(value)}",
                for_=cfg.alert_for[name],
                summary="A node's CPU usage is high.",
                description=f"CPU usage on node {label('instance')} has been above {num(value)}% "
                f"for {cfg.alert_for[name]}; it is {VALUE_PCT}.",
                dashboard="nodes",
            )
        )
    name = THRESHOLD_ALERTS["memory"]
    for severity, value in levels(t.memory):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{sel('instance:node_memory_utilisation:ratio', node)} * 100 > {num(value)}",
                for_=cfg.alert_for[name],
                summary="A node's memory usage is high.",
                description=f"Memory usage on node {label('instance')} has been above "
                f"{num(value)}% for {cfg.alert_for[name]}; it is {VALUE_PCT}.",
                dashboard="nodes",
            )
        )
    name = THRESHOLD_ALERTS["disk"]
    for severity, value in levels(t.disk):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{sel('instance_mountpoint:node_filesystem_used:ratio', node)} * 100"
                f" > {num(value)}",
                for_=cfg.alert_for[name],
                summary="A node's filesystem is filling up.",
                description=f"Filesystem {label('mountpoint')} ({label('device')}) on node "
                f"{label('instance')} has been more than {num(value)}% full for "
                f"{cfg.alert_for[name]}; it is {VALUE_PCT} full.",
                dashboard="nodes",
            )
        )
    return RuleGroup(name="node-usage.alerts", file="node", rules=tuple(rules))
