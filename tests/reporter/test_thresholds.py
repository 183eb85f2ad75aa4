"""The report compares with what actually pages: each threshold, comparison and `for` from the
rules the queried Prometheus evaluates, the rules config only where an alert is not loaded, and
the report says which. The old ConfigMap variables play no part."""

from __future__ import annotations

import csv

import pytest
import yaml

from integrations.prometheus import AlertingRule
from reporter.thresholds import resolve
from rules import THRESHOLD_ALERTS, config_at, packaged_config
from rules.config import DEFAULT_CONFIG
from rules.generate import render_all
from rules.output import write_files
from tests.fixtures.prometheus import PrometheusProcess
from tests.helpers import free_port, require_binary
from tests.reporter.conftest import STEM, pdftotext, run


def rule(name: str, query: str, severity: str, duration: float = 900) -> AlertingRule:
    return AlertingRule(name, query, duration, {"severity": severity})


def test_without_rules_every_threshold_is_the_config():
    cfg = packaged_config()
    got = resolve(None, cfg)
    assert set(got) == set(THRESHOLD_ALERTS)
    assert {a.source for a in got.values()} == {"config"}
    cpu = got["cpu"]
    assert (cpu.warning, cpu.critical, cpu.op, cpu.for_, cpu.alert) == (
        cfg.thresholds.cpu.warning,
        cfg.thresholds.cpu.critical,
        ">",
        "15m",
        "NodeCPUUsageHigh",
    )


def test_loaded_rules_win_with_their_comparison_and_for():
    rules = [
        rule("NodeCPUUsageHigh", 'instance:node_cpu:rate5m{job="x"} * 100 >= 60', "warning", 1200),
        rule("NodeCPUUsageHigh", 'instance:node_cpu:rate5m{job="x"} * 100 >= 80', "critical", 1200),
        rule(
            "ServiceLatencyHigh",
            'q{quantile="0.95"} > 300 and on (service) rate5m >= 0.1',
            "warning",
            90,
        ),
        rule(
            "ServiceLatencyHigh",
            'q{quantile="0.95"} > 900 and on (service) rate5m >= 0.1',
            "critical",
        ),
    ]
    got = resolve(rules, packaged_config())
    cpu = got["cpu"]
    assert (cpu.warning, cpu.critical, cpu.op, cpu.for_, cpu.source) == (
        60,
        80,
        ">=",
        "20m",
        "prometheus",
    )
    # at the threshold: ">=" fires, so the report calls it a warning too
    assert (cpu.level(59.9), cpu.level(60), cpu.level(80)) == ("ok", "warning", "critical")
    latency = got["latency"]
    assert (latency.warning, latency.critical, latency.for_) == (300, 900, "15m")
    assert got["memory"].source == "config"


def test_a_half_loaded_alert_falls_back_to_the_config():
    """One severity missing (a hand-edited rule file): neither value is trusted."""
    rules = [rule("NodeMemoryUsageHigh", "m * 100 > 50", "warning")]
    got = resolve(rules, packaged_config())
    assert (got["memory"].warning, got["memory"].source) == (75, "config")


def test_the_strict_comparison_is_kept():
    """The alerts fire on `>`: a value equal to the threshold does not page, nor colour."""
    cpu = resolve(None, packaged_config())["cpu"]
    assert (cpu.level(70), cpu.level(70.01), cpu.level(85)) == ("ok", "warning", "warning")


def _changed_config(tmp_path, **thresholds: float):
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data["thresholds"].update(thresholds)
    path = tmp_path / f"config-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def prometheus_with_changed_rules(tmp_path):
    """A real Prometheus evaluating the node rules generated with other CPU thresholds and
    `for`, and without the service rules (Istio's file not deployed)."""
    path = _changed_config(tmp_path, CPU_THRESHOLD_WARNING=60, CPU_THRESHOLD_CRITICAL=80)
    data = yaml.safe_load(path.read_text())
    data["for"]["NodeCPUUsageHigh"] = "20m"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "rules"
    write_files(render_all(config_at(str(path)), out, tmp_path / "prometheusrule.yaml"))
    config = f"global: {{}}\nrule_files: [{out / 'node.rules.yaml'}]\n"
    server = PrometheusProcess(
        require_binary("prometheus"), tmp_path / "tsdb", free_port(), config=config
    )
    yield server
    server.stop()


@pytest.mark.integration
def test_report_states_the_thresholds_prometheus_evaluates(
    world, prometheus_with_changed_rules, tmp_path
):
    # the fallback config and the old ConfigMap variables both say otherwise
    fallback = _changed_config(tmp_path, CPU_THRESHOLD_WARNING=50, ERROR_RATE_THRESHOLD_WARNING=1.5)
    code, paths = run(
        world,
        "--no-send",
        PROMETHEUS_URL=prometheus_with_changed_rules.url,
        RULES_CONFIG=str(fallback),
        CPU_THRESHOLD_WARNING="95",
        CPU_THRESHOLD_CRITICAL="99",
    )
    assert code == 0
    with (world["out"] / f"{STEM}-thresholds.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = {row[1]: row for row in csv.reader(f)}
    assert rows["NodeCPUUsageHigh"][2:] == ["> 60", "> 80", "20m", "Prometheus가 평가 중인 규칙"]
    assert rows["NodeMemoryUsageHigh"][2:5] == ["> 75", "> 90", "15m"]  # loaded, unchanged
    assert rows["ServiceErrorRateHigh"][2:] == [
        "> 1.5",
        "> 2",
        "5m",
        "규칙 설정 파일 (Prometheus에 규칙 없음)",
    ]
    text = pdftotext(paths[0])
    for stated in ("알림 임계값", "> 60", "20m", "> 1.5"):
        assert stated in text
    for ignored in ("> 95", "> 50"):
        assert ignored not in text
