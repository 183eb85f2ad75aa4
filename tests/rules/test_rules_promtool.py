"""promtool on the generated rules: `check rules` on every file, `test rules` on every test file,
and a check that those tests cover every alert (under, pending, firing, resolved) and evaluate
every recording rule from raw input series."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from rules_testkit import REPO_ROOT

from rules.config import RulesConfig
from rules.generate import GENERATED_DIR, PROMETHEUSRULE_PATH, build_groups
from rules.model import Alert, Recording

PROMTOOL_TESTS = sorted((REPO_ROOT / "rules" / "tests").glob("*.test.yaml"))
RULE_FILES = sorted(GENERATED_DIR.glob("*.rules.yaml"))


def run(promtool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_promtool_check_rules(promtool: str, path: Path) -> None:
    result = run(promtool, "check", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_rules_on_the_prometheusrule(promtool: str, tmp_path: Path) -> None:
    resource = yaml.safe_load(PROMETHEUSRULE_PATH.read_text(encoding="utf-8"))
    spec = tmp_path / "prometheusrule-spec.yaml"
    spec.write_text(yaml.safe_dump(resource["spec"]), encoding="utf-8")
    result = run(promtool, "check", "rules", spec)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", PROMTOOL_TESTS, ids=[p.name for p in PROMTOOL_TESTS])
def test_promtool_unit_tests(promtool: str, path: Path) -> None:
    result = run(promtool, "test", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr


@functools.cache
def _tests() -> list[dict[str, Any]]:
    found = []
    for path in PROMTOOL_TESTS:
        found += yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
    return found


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit) and duration[: -len(unit)].isdigit():
            return int(duration[: -len(unit)]) * units[unit]
    raise ValueError(duration)


def test_every_generated_file_is_tested() -> None:
    referenced = set()
    for path in PROMTOOL_TESTS:
        for name in yaml.safe_load(path.read_text(encoding="utf-8"))["rule_files"]:
            referenced.add((path.parent / name).resolve())
    assert {p.resolve() for p in RULE_FILES} <= referenced


def test_every_alert_is_tested_under_pending_firing_and_resolved(shipped: RulesConfig) -> None:
    alerts = {
        (r.name, r.severity, r.for_)
        for g in build_groups(shipped)
        for r in g.rules
        if isinstance(r, Alert)
    }
    tests = _tests()
    for name, severity, for_ in sorted(alerts):
        checks = [
            (_seconds(item["eval_time"]), item.get("exp_alerts") or [])
            for t in tests
            for item in t.get("alert_rule_test", [])
            if item["alertname"] == name
        ]
        firing = [
            when
            for when, exp in checks
            if any(a["exp_labels"].get("severity") == severity for a in exp)
        ]
        assert firing, f"{name} ({severity}) never fires in rules/tests"
        if _seconds(for_) == 0:
            continue
        quiet = [when for when, exp in checks if not exp]
        assert any(w < min(firing) for w in quiet), f"{name}: no check before `for` elapses"
        assert any(w > min(firing) for w in quiet), f"{name}: no check that it resolves"
        pending = [
            e
            for t in tests
            for e in t.get("promql_expr_test", [])
            if "pending" in e["expr"]
            and (name in e["expr"] or any(name in s["labels"] for s in e.get("exp_samples") or []))
        ]
        assert pending, f"{name}: no promql_expr_test on ALERTS{{alertstate='pending'}}"


def test_every_recording_rule_is_evaluated_from_raw_series(shipped: RulesConfig) -> None:
    records = {r.record for g in build_groups(shipped) for r in g.rules if isinstance(r, Recording)}
    for record in sorted(records):
        evaluated = [
            t
            for t in _tests()
            for e in t.get("promql_expr_test", [])
            if record in e["expr"]
            and e.get("exp_samples")
            and not any(s["series"].startswith(record) for s in t.get("input_series", []))
        ]
        assert evaluated, f"{record} is never computed from input series in rules/tests"
