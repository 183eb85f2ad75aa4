"""vmalert (Debian's victoria-metrics 1.79) runs the pack's rule files on VictoriaMetrics:
`-dryRun` accepts them, one evaluation gives every recording rule series and fires the
Watchdog, and `-replay` writes the recorded history promtool's backfill writes on Prometheus."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rules.levels import load_recording_rules
from tests.fixtures.backfilled import RULE_FILES, coverage_problems
from tests.fixtures.victoria import Vmalert
from tests.integration.compare import OWN_EVALUATION, vector_differences
from tests.integration.conftest import Victoria

pytestmark = pytest.mark.integration
HOUR = 3600
RECORDING_FILES = sorted({rule.file for rule in load_recording_rules(RULE_FILES)})


def _recording_rules(victoria: Victoria) -> list[tuple[str, dict[str, str]]]:
    return [
        (rule.record, dict(rule.rule.get("labels") or {}))
        for level in victoria.levels
        for rule in level.rules
    ]


def _selector(record: str, labels: dict[str, str]) -> str:
    return record + "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def test_dry_run_accepts_every_rule_file(victoria: Victoria) -> None:
    assert victoria.dry_run.returncode == 0, victoria.dry_run.stderr[-2000:]


def test_dry_run_rejects_a_broken_expression(victoria: Victoria, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules.yaml"
    bad.write_text('groups: [{name: g, rules: [{record: "a:b", expr: "sum(rate(x[5m])"}]}]\n')
    result = Vmalert(victoria.rules.binary, [bad], tmp_path).dry_run()
    assert result.returncode != 0
    assert "bad.rules.yaml" in result.stderr


def test_one_evaluation_runs_every_rule(victoria: Victoria) -> None:
    evaluated = victoria.evaluated
    names = {r["name"] for r in evaluated}
    assert {record for record, _ in _recording_rules(victoria)} <= names
    assert not [(r["name"], r["lastError"]) for r in evaluated if r["lastError"]]
    assert {r["health"] for r in evaluated} == {"ok"}
    empty = [r["name"] for r in evaluated if r["type"] == "recording" and not r["lastSamples"]]
    assert not empty, f"recording rules that found no input at the data's end: {empty}"


def test_one_evaluation_writes_every_record_and_sends_alerts(victoria: Victoria) -> None:
    model = victoria.prometheus.model
    records = {record for record, _ in _recording_rules(victoria)}
    deadline = time.monotonic() + 20
    while True:
        victoria.written.flush()
        series = victoria.written.api(
            "series", **{"match[]": '{__name__!=""}', "start": model.end - HOUR, "end": time.time()}
        )
        names = {s["__name__"] for s in series}
        if records <= names and "HealthcheckWatchdog" in victoria.sink.alertnames():
            break
        assert time.monotonic() < deadline, (records - names, victoria.sink.alertnames())
        time.sleep(0.5)


def test_every_level_replays(victoria: Victoria) -> None:
    assert [level.number for level in victoria.levels] == [0, 1]
    for run in victoria.replays:
        assert run.returncode == 0, run.stderr[-2000:]
        assert "replay finished" in run.stderr


@pytest.mark.parametrize("path", RECORDING_FILES, ids=lambda p: p.name)
def test_replay_records_what_promtool_backfilled(victoria: Victoria, path: Path) -> None:
    """Every recorded series of the file, on both stores, at half past every third hour (away
    from the model's steps, which fall on the hour): the same series, values within a minute's
    drift (compare.OWN_EVALUATION)."""
    model = victoria.prometheus.model
    prometheus = victoria.prometheus.prometheus
    for rule in (r for level in victoria.levels for r in level.rules if r.file == path):
        selector = _selector(rule.record, dict(rule.rule.get("labels") or {}))
        for t in range(model.start + HOUR // 2, model.end, 3 * HOUR):
            on_prometheus = prometheus.query(selector, time=t)
            assert on_prometheus, f"{selector} at {t}: nothing on Prometheus"
            found = vector_differences(
                on_prometheus, victoria.replayed.query(selector, time=t), OWN_EVALUATION
            )
            assert not found, f"{selector} at {t}: {found}"


def test_replay_covers_the_period(victoria: Victoria) -> None:
    """Each recorded series has a sample every minute of the two days on both stores."""
    model = victoria.prometheus.model
    for record, labels in _recording_rules(victoria):
        for store in (victoria.prometheus.prometheus, victoria.replayed):
            found = coverage_problems(store, _selector(record, labels), model)
            assert not found, (store.url, found[:3])
