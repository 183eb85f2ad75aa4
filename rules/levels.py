"""Recording rules in dependency levels: which rules must be backfilled before which.

`promtool tsdb create-blocks-from rules` evaluates every rule with range queries against a
running server, so a rule that reads another recorded series (the per-limit ratios read the
usage and limit series, the quantiles read the bucket rates) only finds its input once that
level's blocks are visible to the server. vmalert's `-replay` has the same need, when the
storage has not yet made the lower level searchable. Level 0 reads raw series only; a rule is
one level above the highest level of the recorded series it reads.

The levels come from the rule files themselves, the names each expression references, so a
rule added under rules/ (or a site's own rule file) lands in the right level without a list
kept by hand. Alerting rules are left out: neither tool backfills them (vmalert would replay
them into `ALERTS`, which the report counts as alerts that fired).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rules.output import LiteralBlock, dump

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_NAME_MATCHER = re.compile(r'__name__\s*=\s*"((?:[^"\\]|\\.)*)"')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


class LevelError(ValueError):
    """A rule file that cannot be split into levels; the message names the file and the rule."""


@dataclass(frozen=True)
class RecordingRule:
    file: Path
    group: str
    interval: str | None  # the group's own `interval`, None for the global one
    rule: Mapping[str, Any]  # record, expr and labels, as written

    @property
    def record(self) -> str:
        return str(self.rule["record"])

    @property
    def expr(self) -> str:
        return str(self.rule["expr"])


@dataclass(frozen=True)
class Level:
    number: int
    rules: tuple[RecordingRule, ...]
    reads: frozenset[str] = field(default_factory=frozenset)  # recorded names it reads

    @property
    def records(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.record for r in self.rules))


def referenced_names(expr: str) -> set[str]:
    """Metric names a PromQL expression may read: identifiers outside strings, label matchers
    and grouping clauses that are not function calls, plus `{__name__="..."}` names. A
    superset is harmless here: only names some rule records are looked up."""
    names = {m.group(1) for m in _NAME_MATCHER.finditer(expr)}
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    for m in _IDENTIFIER.finditer(text):
        if not text[m.end() :].lstrip().startswith("("):
            names.add(m.group(0))
    return names


def load_recording_rules(paths: Iterable[Path]) -> list[RecordingRule]:
    """Every recording rule of the rule files, in file and group order."""
    out = []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise LevelError(f"{path}: cannot read a rule file: {e}") from e
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, list):
            raise LevelError(f"{path}: groups: expected a list of rule groups")
        for i, group in enumerate(groups):
            if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
                raise LevelError(f"{path}: groups[{i}].rules: expected a list of rules")
            interval = group.get("interval")
            for rule in group["rules"]:
                if isinstance(rule, dict) and "record" in rule:
                    if not isinstance(rule.get("expr"), str):
                        where = f"groups[{i}] ({group.get('name')}), record {rule['record']}"
                        raise LevelError(f"{path}: {where}: expr: expected a PromQL expression")
                    name = str(group.get("name", ""))
                    out.append(RecordingRule(path, name, interval and str(interval), rule))
    return out


def levels(rules: list[RecordingRule]) -> list[Level]:
    """The rules by level, level 0 first; a cycle (a rule reading its own output, directly or
    through others) cannot be backfilled and raises LevelError naming the rules."""
    producers: dict[str, list[RecordingRule]] = {}
    for rule in rules:
        producers.setdefault(rule.record, []).append(rule)
    reads = {id(r): referenced_names(r.expr) & producers.keys() for r in rules}
    level_of: dict[str, int] = {}

    def level(name: str, path: tuple[str, ...]) -> int:
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            first = producers[name][0]
            raise LevelError(
                f"{first.file}: group {first.group}: record {name}: recording rules read each "
                f"other in a cycle, which no backfill can evaluate: {cycle}"
            )
        if name not in level_of:
            level_of[name] = max(
                (1 + level(dep, (*path, name)) for r in producers[name] for dep in reads[id(r)]),
                default=0,
            )
        return level_of[name]

    by_level: dict[int, list[RecordingRule]] = {}
    for rule in rules:
        by_level.setdefault(level(rule.record, ()), []).append(rule)
    return [
        Level(n, tuple(by_level[n]), frozenset().union(*(reads[id(r)] for r in by_level[n])))
        for n in sorted(by_level)
    ]


def level_rule_file(level: Level) -> str:
    """A rule file with the level's rules, in their groups (names and intervals kept, so the
    evaluation interval is the one the rules run at)."""
    groups: dict[tuple[Path, str], dict[str, Any]] = {}
    for rule in level.rules:
        group = groups.setdefault((rule.file, rule.group), {"name": rule.group})
        if rule.interval:
            group["interval"] = rule.interval
        group.setdefault("rules", []).append(dict(rule.rule))
    names = [g["name"] for g in groups.values()]
    for name in names:
        if names.count(name) > 1:  # the same group name in two files: one file needs them apart
            raise LevelError(f"level {level.number}: group {name!r} is in more than one file")
    for group in groups.values():
        for rule in group["rules"]:
            if "\n" in rule["expr"]:
                rule["expr"] = LiteralBlock(rule["expr"])
    header = f"# level {level.number} of the recording rules: backfill after the levels below\n"
    return header + dump({"groups": list(groups.values())})


def write_level_files(paths: Iterable[Path], out_dir: Path) -> list[tuple[Level, Path]]:
    """Write `level-<n>.rules.yaml` for each level into out_dir; returns (level, file) pairs."""
    found = levels(load_recording_rules(paths))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for level in found:
        path = out_dir / f"level-{level.number}.rules.yaml"
        path.write_text(level_rule_file(level), encoding="utf-8")
        written.append((level, path))
    return written
