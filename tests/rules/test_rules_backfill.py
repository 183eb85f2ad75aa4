"""`python -m rules backfill`: the levels come from the rules, the command checks its arguments,
and on a real Prometheus (Debian's, with promtool) over raw series only, the recorded series it
writes cover the period and equal each rule's own expression."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rules_testkit import REPO_ROOT

from rules.backfill import main
from rules.levels import LevelError, levels, load_recording_rules, referenced_names
from rules.scratch_prometheus import external_labels
from tests.fixtures.backfilled import EXTERNAL_LABELS, RULE_FILES, Backfilled, coverage_problems

HOUR = 3600


def test_referenced_names_skip_strings_matchers_grouping_and_functions() -> None:
    expr = (
        'sum by (job, a:b) (rate(x:y{job="c:d", e=~"f:g"}[5m])) / on (i) group_left (j) '
        "label_replace(z, 'k', \"l:m\", 'n', '') + {__name__=\"o:p\"}"
    )
    assert referenced_names(expr) >= {"x:y", "z", "o:p"}
    assert not referenced_names(expr) & {"a:b", "c:d", "f:g", "l:m", "sum", "rate", "job", "i"}


def test_shipped_rules_split_into_two_levels() -> None:
    found = levels(load_recording_rules(RULE_FILES))
    assert [level.number for level in found] == [0, 1]
    assert not found[0].reads
    assert set(found[1].records) == {
        "node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m",
        "node_namespace_pod_container:container_memory_working_set_per_limit:ratio",
        "destination_service:istio_requests_5xx:ratio_rate5m",
        "destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile",
    }
    assert found[1].reads <= set(found[0].records)
    every = [r.record for level in found for r in level.rules]
    assert len(every) == len(load_recording_rules(RULE_FILES))


def _rule_file(tmp_path: Path, rules: dict[str, str]) -> Path:
    path = tmp_path / "site.rules.yaml"
    body = "".join(f"  - record: {name}\n    expr: {expr}\n" for name, expr in rules.items())
    path.write_text(f"groups:\n- name: site\n  interval: 30s\n  rules:\n{body}")
    return path


def test_a_chain_of_three_gets_three_levels_in_any_order(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, {"c:z": "b:y * 2", "b:y": "sum(a:x)", "a:x": "rate(raw[5m])"})
    found = levels(load_recording_rules([path]))
    assert [level.records for level in found] == [("a:x",), ("b:y",), ("c:z",)]
    assert {r.interval for level in found for r in level.rules} == {"30s"}


def test_a_cycle_names_the_file_and_rules(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, {"a:x": "b:y + 1", "b:y": "a:x"})
    with pytest.raises(LevelError, match=r"site\.rules\.yaml.*a:x -> b:y -> a:x"):
        levels(load_recording_rules([path]))


def test_level_files_pass_promtool_check(promtool: str, tmp_path: Path) -> None:
    assert main(_args(tmp_path, "--plan")) == 0
    files = sorted((tmp_path / "out" / "rules").glob("level-*.rules.yaml"))
    assert [f.name for f in files] == ["level-0.rules.yaml", "level-1.rules.yaml"]
    result = subprocess.run(
        [promtool, "check", "rules", *map(str, files)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _args(tmp_path: Path, *extra: str) -> list[str]:
    return [
        "--url=http://127.0.0.1:9",
        "--start=2026-11-01T00:00:00+09:00",
        "--end=1793545200",
        f"--out={tmp_path / 'out'}",
        *extra,
    ]


def test_plan_prints_each_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_args(tmp_path, "--plan")) == 0
    out = capsys.readouterr().out
    level0 = out.index("level 0: 14 rules")
    level1 = out.index("level 1: 6 rules")
    assert level0 < out.index("promtool tsdb create-blocks-from rules --url=http://127.0.0.1:9")
    assert out.index("then move") < out.index("and wait until it has loaded them") < level1
    # RFC 3339 and unix seconds alike reach promtool as unix seconds
    assert "--start=1793458800 --end=1793545200 --eval-interval=1m" in out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--end": "1793458800"}, "--end: expected a time after --start"),
        ({"--into": "/nonexistent"}, "--into /nonexistent: expected Prometheus' --storage.tsdb"),
        ({"--rules": "missing.yaml"}, "--rules: no such file: missing.yaml"),
    ],
)
def test_bad_arguments_say_which_and_what_is_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, str], message: str
) -> None:
    args = [a for a in _args(tmp_path) if a.split("=")[0] not in change]
    args += [f"{k}={v}" for k, v in change.items()]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_a_time_without_zone_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*_args(tmp_path)[:1], "--start=2026-11-01T00:00:00", *_args(tmp_path)[2:]])
    assert exit_.value.code == 2
    assert "--start: give a time zone offset or Z" in capsys.readouterr().err


def test_python_m_rules_backfill_is_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rules", "backfill", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "--eval-interval" in result.stdout


@pytest.mark.integration
def test_backfill_gives_every_recorded_series_its_history(
    backfilled_prometheus: Backfilled,
) -> None:
    """At half past every third hour: each rule's recorded series are the series its expression
    gives at that sample's own timestamp, equal values; and each has a sample every minute
    (backfilled.coverage_problems)."""
    prom, model = backfilled_prometheus.prometheus, backfilled_prometheus.model
    assert "level 1: 6 rules" in backfilled_prometheus.output
    assert external_labels(prom.url) == (EXTERNAL_LABELS, "")  # what level 1 had to strip
    for rule in load_recording_rules(RULE_FILES):
        labels = dict(rule.rule.get("labels") or {})
        selector = rule.record + "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
        for t in range(model.start + HOUR // 2, model.end, 3 * HOUR):
            recorded = prom.query(f"{selector}[1m]", time=t)
            assert recorded, f"{selector}: no sample in the minute before {t}"
            at = recorded[0]["values"][-1][0]  # the group's evaluation time
            written = {
                frozenset((k, v) for k, v in r["metric"].items() if k != "__name__"): float(v)
                for r in recorded
                for ts, v in r["values"][-1:]
                if ts == at
            }
            computed = {
                frozenset({**r["metric"], **labels}.items()): float(r["value"][1])
                for r in prom.query(rule.expr, time=at)
            }
            assert written == pytest.approx(computed), (selector, at)
            assert not {k for key in written for k, _ in key} & set(EXTERNAL_LABELS)
        assert not coverage_problems(prom, selector, model)
