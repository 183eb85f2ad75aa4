"""Alerting rules, one module per area, each returning its rule groups.

Names are `<Subject><Signal><Condition>` in CamelCase, the prefix naming what is wrong so that
Alertmanager routes and on-call read them at a glance: `Node*` (node_exporter), `Container*`
(cAdvisor and kube-state-metrics), `Service*` (Istio), `HAProxy*` and `Healthcheck*` (the pack's
own exporter). Where the old service had two levels, one alert name carries a `warning` and a
`critical` rule, as kube-prometheus does, so one Alertmanager `inhibit_rules` entry mutes the
warning while the critical fires.
"""

from __future__ import annotations

from rules.config import Threshold


def levels(threshold: Threshold) -> tuple[tuple[str, float], ...]:
    """(severity, value) pairs for a two-level threshold, warning first."""
    return (("warning", threshold.warning), ("critical", threshold.critical))
