"""The rule types the area modules build, and the few PromQL/Go-template helpers they share.

Area modules (`rules/alerts/*.py`, `rules/recording.py`) return plain data; `rules/generate.py`
adds what every alert gets (runbook and dashboard links) in one place, as kubernetes-mixin's
`add-runbook-links.libsonnet` does, and writes the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rules.config import RulesConfig

SEVERITIES = ("critical", "warning", "none")


@dataclass(frozen=True)
class Alert:
    name: str
    severity: str
    expr: str
    for_: str
    summary: str
    description: str  # a Go template: {{ $labels.x }}, {{ $value }}
    dashboard: str | None = None  # key into cfg.dashboards.files


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)
    upstream: str | None = None  # "kubernetes-mixin" or "node-mixin" when the name is theirs


@dataclass(frozen=True)
class RuleGroup:
    name: str
    file: str  # written to rules/generated/<file>.rules.yaml
    rules: tuple[Alert | Recording, ...]
    interval: str | None = None  # None: Prometheus's global evaluation_interval


def matchers(*parts: str) -> str:
    """Join label matchers, skipping empty ones: the configured selectors may be ''."""
    return ", ".join(p.strip() for p in parts if p.strip())


def sel(metric: str, *parts: str) -> str:
    """`metric{matchers}`, or the bare name when there are no matchers."""
    inner = matchers(*parts)
    return f"{metric}{{{inner}}}" if inner else metric


def by(cfg: RulesConfig, *labels: str) -> str:
    """An aggregation clause that always keeps the cluster label, as kubernetes-mixin does."""
    return f"by ({', '.join((cfg.cluster_label, *labels))})"


def on(cfg: RulesConfig, *labels: str) -> str:
    return f"on ({', '.join((cfg.cluster_label, *labels))})"


def namespace_matcher(cfg: RulesConfig, label: str = "namespace") -> str:
    """Restrict alerts to the configured namespaces; '' (all) when none are configured."""
    names = cfg.selectors.namespaces
    return f'{label}=~"{"|".join(names)}"' if names else ""


def num(value: float) -> str:
    """70.0 -> '70', 0.5 -> '0.5': thresholds read in rules as they do in the config."""
    return format(value, "g")


def label(name: str) -> str:
    return "{{ $labels." + name + " }}"


# Go-template fragments for descriptions.
VALUE_PCT = '{{ printf "%.1f" $value }}%'
VALUE_MS = '{{ printf "%.0f" $value }} ms'
VALUE_RATIO_PCT = "{{ $value | humanizePercentage }}"


def dedent(text: str) -> str:
    """Strip the common indentation of a triple-quoted PromQL expression and surrounding blanks."""
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:].rstrip() for line in lines)


def indent(text: str, spaces: int = 2) -> str:
    """Indent every line of a (multi-line) expression, to nest it inside another."""
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())
