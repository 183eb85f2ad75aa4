"""The thresholds a report compares with: the ones the cluster's alerts actually page on.

Each area's warning and critical value, its comparison and its `for` come from the pack's alert
for it (`rules.THRESHOLD_ALERTS`: NodeCPUUsageHigh for cpu, ...) as the queried Prometheus
evaluates it (`/api/v1/rules`), so a cluster whose rules were generated with other thresholds
gets reports that state those. Where the alert is not loaded there (rules not deployed, a store
without a rules API), the rules config the reporter reads (rules/config.yaml, or RULES_CONFIG)
stands in, and the report says so per area. The settings' old threshold variables play no part:
they are the generator's input (`python -m rules --env`), never a second truth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from integrations.prometheus import AlertingRule
from reporter.model import AlertThreshold
from rules import THRESHOLD_ALERTS, RulesConfig, build_groups
from rules.model import Alert

# `<expression> > 70`: the alert's first comparison with a number is its threshold.
_COMPARISON = re.compile(r"(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def resolve(rules: Iterable[AlertingRule] | None, cfg: RulesConfig) -> dict[str, AlertThreshold]:
    """Each area's threshold: from `rules` (Prometheus' alerting rules, None when it could not
    list them) where the pack's alert is loaded with both severities, else from `cfg`."""
    loaded: dict[str, dict[str, AlertingRule]] = {}
    for rule in rules or ():
        severity = rule.labels.get("severity", "")
        loaded.setdefault(rule.name, {}).setdefault(severity, rule)
    out = {}
    for area, alert in THRESHOLD_ALERTS.items():
        out[area] = _from_prometheus(alert, loaded.get(alert, {})) or _from_config(area, alert, cfg)
    return out


def _from_prometheus(alert: str, by_severity: Mapping[str, AlertingRule]) -> AlertThreshold | None:
    warning, critical = by_severity.get("warning"), by_severity.get("critical")
    if warning is None or critical is None:
        return None
    w, c = _COMPARISON.search(warning.query), _COMPARISON.search(critical.query)
    if w is None or c is None or w[1] != c[1]:
        return None
    return AlertThreshold(
        warning=float(w[2]),
        critical=float(c[2]),
        op=w[1],
        for_=_duration(critical.duration),
        alert=alert,
        source="prometheus",
        exprs={"warning": warning.query, "critical": critical.query},
    )


def _from_config(area: str, alert: str, cfg: RulesConfig) -> AlertThreshold:
    t = getattr(cfg.thresholds, area)
    exprs = {
        rule.severity: rule.expr
        for group in build_groups(cfg)
        for rule in group.rules
        if isinstance(rule, Alert) and rule.name == alert
    }
    return AlertThreshold(
        t.warning,
        t.critical,
        ">",
        cfg.alert_for.get(alert, ""),
        alert,
        source="config",
        exprs=exprs,
    )


def _duration(seconds: float) -> str:
    """Prometheus' own way of writing a `for`: 900 -> 15m, 90 -> 1m30s."""
    if seconds <= 0:
        return "0s"
    out, rest = "", int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out
