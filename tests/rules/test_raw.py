"""Recorded series as raw PromQL (rules/raw.py): built from the rules themselves, it gives what
the recorded series hold, on a real Prometheus over the synthetic cluster's raw window."""

from __future__ import annotations

import re

import pytest

from rules import packaged_config
from rules.raw import raw_expression, recorded_names, substitute

CFG = packaged_config()
# Each recorded series, and how a reader selects it (static labels pick among its rules).
CASES = [
    (name, sel)
    for name in sorted(recorded_names(CFG))
    for sel in (
        ['quantile="0.95"', 'quantile="0.5"']
        if name.endswith(":histogram_quantile")
        else ['stage="istio"', ""]
        if name.startswith("stage:")
        else [""]
    )
]


def _by_labels(results: list[dict]) -> dict[frozenset, float]:
    return {
        frozenset((k, v) for k, v in r["metric"].items() if k != "__name__"): float(r["value"][1])
        for r in results
    }


@pytest.mark.integration
@pytest.mark.parametrize(("name", "sel"), CASES, ids=[f"{n}{{{s}}}" for n, s in CASES])
def test_raw_expression_gives_the_recorded_series(cluster_prometheus, name, sel):
    prom, model = cluster_prometheus
    written = _by_labels(prom.query(f"{name}{{{sel}}}", time=model.end))
    computed = _by_labels(prom.query(raw_expression(CFG, name, sel), time=model.end))
    assert computed, "no raw input in the fixture"
    assert set(computed) == set(written)
    for key, value in computed.items():
        assert written[key] == pytest.approx(value, rel=0.02, abs=1e-6), dict(key)


def test_narrowing_reaches_every_raw_selector():
    expr = raw_expression(
        CFG,
        "node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m",
        'cluster="prod", pod=~"api-.*"',
    )
    selectors = re.findall(r"\b([a-z_]+)\{([^}]*)\}", expr)
    assert {metric for metric, _ in selectors} == {
        "container_cpu_usage_seconds_total",
        "kube_pod_info",
        "kube_pod_container_resource_limits",
        "kube_pod_status_phase",
    }
    for metric, inner in selectors:
        assert 'cluster="prod"' in inner, metric
        assert 'pod=~"api-.*"' in inner, metric
    assert ":" not in expr.replace(":ratio", ""), "a recorded series left unexpanded"


def test_substitute_reads_only_recorded_series():
    expr = (
        'instance:node_cpu_utilisation:rate5m{job="node-exporter"} * 100 > 70 '
        'unless on (instance) up{alertname="instance:node_cpu_utilisation:rate5m"} == 0'
    )
    out = substitute(expr, CFG, lambda ref: f"<{ref.name}|{ref.selectors}>")
    assert out == (
        '<instance:node_cpu_utilisation:rate5m|job="node-exporter"> * 100 > 70 '
        'unless on (instance) up{alertname="instance:node_cpu_utilisation:rate5m"} == 0'
    )


def test_a_rule_the_selector_rules_out_reads_nothing():
    expr = raw_expression(CFG, "stage:http_5xx_responses:rate5m", 'stage="nowhere"')
    assert "unless" in expr


def test_unknown_series_and_bad_matchers_are_refused():
    with pytest.raises(KeyError, match="not a series the pack's rules record"):
        raw_expression(CFG, "up")
    with pytest.raises(ValueError, match="expected label matchers"):
        raw_expression(CFG, "instance:node_cpu_utilisation:rate5m", "cluster=prod")
