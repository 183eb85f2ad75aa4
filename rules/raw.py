"""The pack's recorded series as the raw PromQL that records them, from the rules themselves.

A Prometheus that has not run the recording rules over a period (a fresh install, a central
Prometheus, Thanos or VictoriaMetrics that does not load them) still has the raw node_exporter,
cAdvisor, kube-state-metrics and Istio series. A reader of recorded series (the reporter) then
computes the same values from those, with each rule's own expression as `build_groups` writes
it, never a second copy of the PromQL:

    substitute(expr, cfg, lambda ref: ref.raw())      # every recorded series read raw

`substitute` finds each recorded series an expression reads (`name` or `name{matchers}`) and
lets the caller choose what stands there: the selector as written, the raw expression, or both
joined with `or` (recorded where it exists, raw before). A reference's matchers either pick
among a record's rules by their static labels (`quantile="0.95"`, `stage="istio"`) or narrow
every raw selector the expression reads (`cluster="prod"`, `pod=~"a|b"`): those must be labels
the raw series carry too, as the recorded ones inherit them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from rules.config import SELECTOR_KEYS, RulesConfig
from rules.model import Recording, matchers
from rules.recording import (
    container_recording,
    healthcheck_recording,
    istio_recording,
    node_recording,
    stage_recording,
)
from rules.validation import Matcher, parse_matchers

_BUILDERS = (
    node_recording,
    container_recording,
    istio_recording,
    stage_recording,
    healthcheck_recording,
)
# `name` or `name{...}` where `name` is a whole metric name (recorded names hold colons).
_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_BRACES = r"\{(?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*\}"
_REFERENCE = re.compile(rf"(?<![\w:\"'.]){_NAME}(?:{_BRACES})?")
_RANGE = re.compile(r"\}\[[^\]:]+\]$")
_SELECTOR = re.compile(rf"(?<![\w:\"'.]){_NAME}{_BRACES}(?:\[[^\]:]+\])?")


@dataclass(frozen=True)
class Reference:
    """One place an expression reads a recorded series."""

    name: str
    selectors: str  # the matchers written there, without braces
    cfg: RulesConfig

    @property
    def selector(self) -> str:
        """The reference as written: the recorded series."""
        return f"{self.name}{{{self.selectors}}}" if self.selectors else self.name

    def raw(self) -> str:
        """The raw expression that computes this series, in parentheses."""
        return raw_expression(self.cfg, self.name, self.selectors)


def recorded_names(cfg: RulesConfig) -> frozenset[str]:
    """Every series the pack's recording rules write (kubernetes-mixin's names included)."""
    return frozenset(_rules(cfg))


def raw_selectors(cfg: RulesConfig, record: str, selectors: str = "") -> list[str]:
    """The raw series selectors `record`'s expression reads, in order, without their ranges:
    what must have samples for the expression to give any."""
    found = _SELECTOR.findall(raw_expression(cfg, record, selectors))
    return list(dict.fromkeys(re.sub(r"(?<=\})\[[^\]]*\]$", "", s) for s in found))


def rule_groups(cfg: RulesConfig) -> Mapping[str, str]:
    """Recorded series -> the name of the rule group that writes it: a group is evaluated as a
    whole, so one of its series with samples tells the others' absence is no gap."""
    everything = replace(cfg, omit_upstream_recording_rules=False)
    return {
        rule.record: group.name
        for build in _BUILDERS
        for group in (build(everything),)
        for rule in group.rules
        if isinstance(rule, Recording)
    }


def substitute(expr: str, cfg: RulesConfig, replace_ref: Callable[[Reference], str]) -> str:
    """`expr` with each recorded series it reads replaced by `replace_ref(reference)`."""
    names = recorded_names(cfg)

    def one(m: re.Match[str]) -> str:
        text = m[0]
        name, _, rest = text.partition("{")
        if name not in names:
            return text
        return replace_ref(Reference(name, rest[:-1].strip() if rest else "", cfg))

    return _REFERENCE.sub(one, expr)


def raw_expression(
    cfg: RulesConfig, record: str, selectors: str = "", offset: str = "", window: str = ""
) -> str:
    """PromQL computing `record` from raw series, narrowed by `selectors` (see module doc), as
    of `offset` ago when given (PromQL has no offset for an expression, only for selectors),
    with its `rate()` windows `window` long instead of the rules' own (a reader sampling it
    every hour over a month reads each sample once with one-hour windows, not a twelfth of them).

    A record written by several rules (one per stage, per quantile) is their union, each with
    its static labels set as the rule sets them; rules reading other recorded series are
    expanded in turn, down to raw series.
    """
    if offset:
        # Every raw selector then has braces to put the offset after: a label starting with
        # "__" is never stored, so `__unset__=""` holds for every series.
        selectors = ", ".join(p for p in (selectors, '__unset__=""') if p)
    wanted = parse_matchers(selectors)
    rules = _rules(cfg).get(record)
    if not rules:
        raise KeyError(f"{record} is not a series the pack's rules record")
    static = {k for r in rules for k in r.labels}
    picking = [m for m in wanted if m.name in static]
    narrowing = [m for m in wanted if m.name not in static]
    narrowed = _narrowed(cfg, tuple(str(m) for m in narrowing)) if narrowing else cfg
    chosen = [
        r
        for r in _rules(narrowed)[record]
        if all(m.matches(r.labels.get(m.name, "")) for m in picking)
    ]
    if not chosen:
        return f"({record}{{{selectors}}} unless {record}{{{selectors}}})"  # empty, as recorded
    parts = []
    for rule in chosen:
        body = substitute(rule.expr, narrowed, lambda ref: ref.raw())
        if window:
            body = _SELECTOR.sub(lambda m: _RANGE.sub(f"}}[{window}]", m[0]), body)
        if offset:
            body = _SELECTOR.sub(lambda m: f"{m[0]} offset {offset}", body)
        for key, value in sorted(rule.labels.items()):
            body = f'label_replace({body}, "{key}", "{_escape(value)}", "", "")'
        parts.append(f"({body})" if not rule.labels else body)
    return "(" + " or ".join(parts) + ")"


# Configs are not hashable (they hold mappings): cached by identity, the config kept alive.
_CACHE: dict[tuple[int, tuple[str, ...]], tuple[RulesConfig, Any]] = {}
_LOCK = threading.Lock()


def _cached(cfg: RulesConfig, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
    with _LOCK:
        hit = _CACHE.get((id(cfg), key))
        if hit is None or hit[0] is not cfg:
            hit = _CACHE[(id(cfg), key)] = (cfg, make())
        return hit[1]


def _rules(cfg: RulesConfig) -> Mapping[str, tuple[Recording, ...]]:
    """Record name -> its rules, upstream ones included even where the config omits them from
    the generated files (kube-prometheus records them under the same names and expressions)."""

    def make() -> Mapping[str, tuple[Recording, ...]]:
        everything = replace(cfg, omit_upstream_recording_rules=False)
        out: dict[str, list[Recording]] = {}
        for build in _BUILDERS:
            for rule in build(everything).rules:
                if isinstance(rule, Recording):
                    out.setdefault(rule.record, []).append(rule)
        return {k: tuple(v) for k, v in out.items()}

    result: Mapping[str, tuple[Recording, ...]] = _cached(cfg, ("rules",), make)
    return result


def _narrowed(cfg: RulesConfig, extra: tuple[str, ...]) -> RulesConfig:
    """The config with `extra` matchers added to every raw series' selector."""

    def make() -> RulesConfig:
        changes: dict[str, Any] = {
            key: matchers(getattr(cfg.selectors, key), *extra)
            for key in SELECTOR_KEYS
            if key != "node_filesystem"  # always read together with node_exporter's
        }
        return replace(cfg, selectors=replace(cfg.selectors, **changes))

    result: RulesConfig = _cached(cfg, ("narrowed", *extra), make)
    return result


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


__all__ = [
    "Matcher",
    "Reference",
    "raw_expression",
    "raw_selectors",
    "recorded_names",
    "rule_groups",
    "substitute",
]
