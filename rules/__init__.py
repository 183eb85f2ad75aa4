"""The pack's Prometheus rules, generated from one config (rules/config.yaml).

`load_config()` gives the thresholds, selectors and dashboard UIDs to any Python consumer (the
Grafana dashboards draw their threshold lines from it); `build_groups(cfg)` gives the rule groups;
`python -m rules` writes rules/generated/*.rules.yaml and k8s/prometheusrule.yaml.
"""

from rules.alerts import THRESHOLD_ALERTS
from rules.config import (
    ConfigError,
    RulesConfig,
    Threshold,
    Thresholds,
    config_at,
    load_config,
    packaged_config,
)
from rules.generate import build_groups, runbook_url

__all__ = [
    "THRESHOLD_ALERTS",
    "ConfigError",
    "RulesConfig",
    "Threshold",
    "Thresholds",
    "build_groups",
    "config_at",
    "load_config",
    "packaged_config",
    "runbook_url",
]
