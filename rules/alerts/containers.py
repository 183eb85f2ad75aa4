"""Container alerts: CPU and memory in use against the container's limits (cAdvisor, KSM).

At 100% of its CPU limit a container is throttled, at 100% of its memory limit it is OOM-killed,
so the old service's CPU and memory thresholds apply to the share of the limit in use. Containers
without a limit have no such ceiling and never match.
"""

from __future__ import annotations

from rules.alerts import levels
from rules.config import RulesConfig
from rules.model import VALUE_PCT, Alert, RuleGroup, label, namespace_matcher, num, sel

_WHO = f"Container {label('container')} of pod {label('namespace')}/{label('pod')}"


def container_alerts(cfg: RulesConfig) -> RuleGroup:
    t = cfg.thresholds
    ns = namespace_matcher(cfg)
    rules: list[Alert] = []
    name = "ContainerCPUNearLimit"
    cpu = sel("node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m", ns)
    for severity, value in levels(t.cpu):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{cpu} * 100 > {num(value)}",
                for_=cfg.alert_for[name],
                summary="A container is using most of its CPU limit.",
                description=f"{_WHO} on node {label('node')} has used more than {num(value)}% of "
                f"its CPU limit for {cfg.alert_for[name]}; it uses {VALUE_PCT}. At 100% it is "
                "throttled.",
                dashboard="containers",
            )
        )
    name = "ContainerMemoryNearLimit"
    memory = sel("node_namespace_pod_container:container_memory_working_set_per_limit:ratio", ns)
    for severity, value in levels(t.memory):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{memory} * 100 > {num(value)}",
                for_=cfg.alert_for[name],
                summary="A container is using most of its memory limit.",
                description=f"{_WHO} on node {label('node')} has used more than {num(value)}% of "
                f"its memory limit for {cfg.alert_for[name]}; it uses {VALUE_PCT}. At 100% it is "
                "OOM-killed.",
                dashboard="containers",
            )
        )
    return RuleGroup(name="container-limits.alerts", file="containers", rules=tuple(rules))
