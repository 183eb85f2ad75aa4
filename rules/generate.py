"""Build the pack's rule groups from the config and render them as Prometheus rule files and a
PrometheusRule custom resource.

Output is deterministic (fixed rule order, fixed key order, and rules/output.py's YAML: no
aliases, no line folding) so the generated files can be committed and CI can fail when they are
stale; rules/output.py writes and checks them, for grafana/ too. `runbook_url` and
`dashboard_url` are added here, in one place, as kubernetes-mixin's add-runbook-links does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rules.alerts.containers import container_alerts
from rules.alerts.haproxy import haproxy_alerts
from rules.alerts.healthcheck import exporter_alerts, probe_alerts
from rules.alerts.node import node_alerts
from rules.alerts.receiver import receiver_alerts
from rules.alerts.reporter import reporter_alerts
from rules.alerts.services import service_alerts
from rules.config import RulesConfig, load_config
from rules.model import Alert, Recording, RuleGroup
from rules.output import LiteralBlock, dump, header, written_by
from rules.recording import (
    container_recording,
    healthcheck_recording,
    istio_recording,
    node_recording,
    stage_recording,
)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
GENERATED_DIR = PACKAGE_DIR / "generated"
PROMETHEUSRULE_PATH = REPO_ROOT / "k8s" / "prometheusrule.yaml"
RULE_FILE_SUFFIX = ".rules.yaml"
PROG = "python -m rules"

# In file order, then group order inside each file.
GROUP_BUILDERS: tuple[Callable[[RulesConfig], RuleGroup], ...] = (
    node_recording,
    node_alerts,
    container_recording,
    container_alerts,
    istio_recording,
    service_alerts,
    stage_recording,
    haproxy_alerts,
    healthcheck_recording,
    probe_alerts,
    exporter_alerts,
    receiver_alerts,
    reporter_alerts,
)


def build_groups(cfg: RulesConfig) -> list[RuleGroup]:
    """Every rule group of the pack, minus upstream recording rules when the config says so."""
    groups = []
    for builder in GROUP_BUILDERS:
        group = builder(cfg)
        if cfg.omit_upstream_recording_rules:
            kept = tuple(r for r in group.rules if not (isinstance(r, Recording) and r.upstream))
            if not kept:
                continue
            group = RuleGroup(group.name, group.file, kept, group.interval)
        groups.append(group)
    return groups


@functools.cache
def _shipped_config() -> RulesConfig:
    return load_config()


def runbook_url(alert: str, cfg: RulesConfig | None = None) -> str:
    """Where the runbook of `alert` lives: rules/runbooks/<alert>.md under the configured base."""
    base = (cfg or _shipped_config()).runbook_base_url
    return f"{base.rstrip('/')}/{alert}.md"


def rule_to_dict(rule: Alert | Recording, cfg: RulesConfig) -> dict[str, Any]:
    if isinstance(rule, Recording):
        out: dict[str, Any] = {"record": rule.record, "expr": _block(rule.expr)}
        if rule.labels:
            out["labels"] = dict(rule.labels)
        return out
    annotations = {
        "summary": rule.summary,
        "description": rule.description,
        "runbook_url": runbook_url(rule.name, cfg),
    }
    if rule.dashboard:
        annotations["dashboard_url"] = cfg.dashboards.url(rule.dashboard)
    return {
        "alert": rule.name,
        "expr": _block(rule.expr),
        "for": rule.for_,
        "labels": {"severity": rule.severity},
        "annotations": annotations,
    }


def group_to_dict(group: RuleGroup, cfg: RulesConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"name": group.name}
    if group.interval:
        out["interval"] = group.interval
    out["rules"] = [rule_to_dict(r, cfg) for r in group.rules]
    return out


def render_rule_files(cfg: RulesConfig) -> dict[str, str]:
    """File name -> content of every plain Prometheus rule file."""
    by_file: dict[str, list[dict[str, Any]]] = {}
    for group in build_groups(cfg):
        by_file.setdefault(group.file + RULE_FILE_SUFFIX, []).append(group_to_dict(group, cfg))
    return {name: header(PROG, cfg) + dump({"groups": groups}) for name, groups in by_file.items()}


def render_prometheusrule(cfg: RulesConfig) -> str:
    """One PrometheusRule (monitoring.coreos.com/v1) with every group, for prometheus-operator."""
    settings = cfg.prometheusrule
    resource = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": settings.name,
            "namespace": settings.namespace,
            "labels": dict(sorted(settings.labels.items())),
        },
        "spec": {"groups": [group_to_dict(g, cfg) for g in build_groups(cfg)]},
    }
    return header(PROG, cfg) + dump(resource)


def render_all(
    cfg: RulesConfig,
    out_dir: Path = GENERATED_DIR,
    prometheusrule: Path = PROMETHEUSRULE_PATH,
) -> dict[Path, str]:
    """Path -> content of every generated file."""
    files = {out_dir / name: text for name, text in render_rule_files(cfg).items()}
    files[prometheusrule] = render_prometheusrule(cfg)
    return files


def written_earlier(out_dir: Path = GENERATED_DIR) -> list[Path]:
    """The rule files in `out_dir` this generator wrote (other rule files there are left alone)."""
    return written_by(PROG, out_dir.glob(f"*{RULE_FILE_SUFFIX}"))


def _block(expr: str) -> str:
    return LiteralBlock(expr + "\n") if "\n" in expr else expr
