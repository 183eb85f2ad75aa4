"""rules/config.py: the shipped defaults, every validation rule, and the old env-var overrides."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rules_testkit import REPO_ROOT, TESTDATA, shipped_data

from rules.config import ENV_OVERRIDES, ConfigError, RulesConfig, load_config, parse_config

PATCHES = sorted(TESTDATA.glob("patch-*.yaml"))


def test_shipped_thresholds_are_the_old_configmap_defaults(shipped: RulesConfig) -> None:
    t = shipped.thresholds
    assert (t.cpu.warning, t.cpu.critical) == (70, 85)
    assert (t.memory.warning, t.memory.critical) == (75, 90)
    assert (t.disk.warning, t.disk.critical) == (75, 90)
    assert (t.error_rate.warning, t.error_rate.critical) == (0.5, 2.0)
    assert (t.latency.warning, t.latency.critical) == (500, 2000)
    assert shipped.source == "rules/config.yaml"
    assert shipped.env_overrides == ()


@pytest.mark.parametrize("patch", PATCHES, ids=[p.stem for p in PATCHES])
def test_bad_config_reports_each_problem_with_file_and_key(
    patch: Path, write_config: Callable[..., Path]
) -> None:
    spec = yaml.safe_load(patch.read_text(encoding="utf-8"))
    path = write_config(spec.get("set"), spec.get("delete"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    for expected in spec["expect"]:
        assert any(f"{path}: {expected}" in p for p in problems), (expected, problems)
    assert len(problems) == len(spec["expect"]), problems


def test_every_problem_is_in_the_error_message(write_config: Callable[..., Path]) -> None:
    path = write_config(
        {"thresholds.CPU_THRESHOLD_WARNING": "high", "for.ServiceLatencyHigh": "soon"},
        ["istio.reporter"],
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith("invalid rules config, 3 problems:\n")
    for key in ("thresholds.CPU_THRESHOLD_WARNING", "for.ServiceLatencyHigh", "istio.reporter"):
        assert f"{path}: {key}: " in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad-not-yaml.yaml", "not valid YAML"),
        ("bad-not-a-mapping.yaml", "expected a mapping of settings, got list"),
        ("bad-empty.yaml", "expected a mapping of settings, got nothing"),
    ],
)
def test_unusable_file_is_reported_with_its_name(name: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(TESTDATA / name)
    shown = (TESTDATA / name).relative_to(REPO_ROOT).as_posix()
    assert caught.value.problems[0].startswith(f"{shown}: {expected}")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read: No such file or directory"):
        load_config(tmp_path / "nope.yaml")


def test_env_overrides_apply_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPU_THRESHOLD_WARNING", "60")
    assert load_config().thresholds.cpu.warning == 70  # the file alone, whatever the environment

    cfg = load_config(
        environ={
            "CPU_THRESHOLD_WARNING": "60",
            "LATENCY_THRESHOLD_CRITICAL": " 3000 ",
            "ERROR_RATE_THRESHOLD_WARNING": "",  # set but empty: the file's value stays
            "GRAFANA_URL": "https://grafana.example.com",
        }
    )
    assert cfg.thresholds.cpu.warning == 60
    assert cfg.thresholds.latency.critical == 3000
    assert cfg.thresholds.error_rate.warning == 0.5
    assert cfg.dashboards.base_url == "https://grafana.example.com"
    assert cfg.env_overrides == (
        "CPU_THRESHOLD_WARNING",
        "LATENCY_THRESHOLD_CRITICAL",
        "GRAFANA_URL",
    )


def test_every_old_threshold_variable_can_override() -> None:
    thresholds = [name for name in ENV_OVERRIDES if "THRESHOLD" in name]
    assert len(thresholds) == 10
    for name in thresholds:
        # Far from the other level, so that warning < critical still holds.
        value = "1" if name.endswith("_WARNING") else "100" if "LATENCY" not in name else "9999"
        cfg = load_config(environ={name: value})
        area = name.split("_THRESHOLD_")[0].lower()
        level = name.rsplit("_", 1)[1].lower()
        assert getattr(getattr(cfg.thresholds, area), level) == float(value), name


def test_bad_env_override_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"CPU_THRESHOLD_WARNING": "lots", "DISK_THRESHOLD_WARNING": "95"})
    assert caught.value.problems == [
        "rules/config.yaml: thresholds.CPU_THRESHOLD_WARNING (from environment variable "
        "CPU_THRESHOLD_WARNING): expected a number above 0 and at most 100 (percent), got 'lots'",
        "rules/config.yaml: thresholds.DISK_THRESHOLD_WARNING (from environment variable "
        "DISK_THRESHOLD_WARNING): expected less than DISK_THRESHOLD_CRITICAL (90), got 95",
    ]


def test_parse_config_leaves_its_input_alone() -> None:
    data = shipped_data()
    parse_config(data, environ={"CPU_THRESHOLD_WARNING": "60"})
    assert data["thresholds"]["CPU_THRESHOLD_WARNING"] == 70


def test_dashboard_uid_is_the_md5_of_the_file_name(shipped: RulesConfig) -> None:
    expected = hashlib.md5(b"healthcheck.json", usedforsecurity=False).hexdigest()
    assert shipped.dashboards.uid("healthcheck") == expected
    assert shipped.dashboards.url("healthcheck") == (
        f"http://grafana.bravo-monitoring-ns:3000/d/{expected}"
    )


def test_min_request_rate_zero_turns_the_guard_off(write_config: Callable[..., Path]) -> None:
    cfg = load_config(write_config({"istio.min_request_rate": 0}))
    assert cfg.istio.min_request_rate == 0
