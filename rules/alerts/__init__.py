"""Alerting rules, one module per area, each returning its rule groups.

Names are `<Subject><Signal><Condition>` in CamelCase, the prefix naming what is wrong so that
Alertmanager routes and on-call read them at a glance: `Node*` (node_exporter), `Container*`
(cAdvisor and kube-state-metrics), `Service*` (Istio), `HAProxy*` and `Healthcheck*` (the pack's
own exporter), `AlertReceiver*` and `Reporter*` (the pack watching its own paging path).
Where the old service had two levels, one alert name carries a `warning` and a
`critical` rule, as kube-prometheus does, so one Alertmanager `inhibit_rules` entry mutes the
warning while the critical fires.
"""

from __future__ import annotations

from rules.config import Threshold

# The alert that pages on each threshold of rules/config.yaml's `thresholds:` (the container
# alerts share cpu's and memory's): the reporter compares with what these alerts evaluate.
THRESHOLD_ALERTS = {
    "cpu": "NodeCPUUsageHigh",
    "memory": "NodeMemoryUsageHigh",
    "disk": "NodeFilesystemUsageHigh",
    "error_rate": "ServiceErrorRateHigh",
    "latency": "ServiceLatencyHigh",
}


def levels(threshold: Threshold) -> tuple[tuple[str, float], ...]:
    """(severity, value) pairs for a two-level threshold, warning first."""
    return (("warning", threshold.warning), ("critical", threshold.critical))
