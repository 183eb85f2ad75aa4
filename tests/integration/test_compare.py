"""tests/integration/compare.py finds what differs, and allows only what its docstring says."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from reporter.model import Crossing, Series, Stat, WorstHour
from tests.integration.compare import (
    OWN_EVALUATION,
    SAME_SAMPLES,
    matrix_differences,
    report_differences,
    vector_differences,
)
from tests.reporter.sample import sample_report


def test_a_report_equals_itself() -> None:
    data = sample_report()
    assert report_differences(data, sample_report(), SAME_SAMPLES) == []


def test_a_nested_figure_differs() -> None:
    data = sample_report()
    nodes = list(data.nodes)
    nodes[1] = replace(nodes[1], cpu=replace(nodes[1].cpu, p95=0.5))
    changed = replace(data, nodes=tuple(nodes))
    found = report_differences(data, changed, OWN_EVALUATION)
    assert len(found) == 1
    assert found[0].startswith("report.nodes[1].cpu.p95:")


def test_none_against_a_number_and_a_missing_row_differ() -> None:
    data = sample_report()
    changed = replace(data, cluster_usage={**data.cluster_usage, "cpu": Stat(None, None, None)})
    assert report_differences(data, changed, OWN_EVALUATION)
    assert report_differences(data, replace(data, nodes=data.nodes[:-1]), OWN_EVALUATION)


def test_prometheus_may_count_its_lookback_after_each_firing() -> None:
    data = sample_report()
    alert = data.alerts[0]  # fired once: 5 minutes each for it and one already firing

    def victoria(minutes: float) -> object:
        return replace(data, alerts=(replace(alert, firing_minutes=minutes), *data.alerts[1:]))

    assert report_differences(data, victoria(alert.firing_minutes - 8), SAME_SAMPLES) == []
    assert report_differences(data, victoria(alert.firing_minutes - 11), SAME_SAMPLES)
    assert report_differences(data, victoria(alert.firing_minutes + 1), SAME_SAMPLES)


def test_a_chart_may_differ_at_one_percent_of_its_points_when_evaluations_differ() -> None:
    data = sample_report()
    chart = data.usage_series[0]

    def bumped(n: int) -> object:
        points = tuple((t, v + 0.1 if i < n else v) for i, (t, v) in enumerate(chart.points))
        return replace(data, usage_series=(Series(chart.name, points), *data.usage_series[1:]))

    allowed = int(len(chart.points) * OWN_EVALUATION.chart_points)
    assert report_differences(data, bumped(allowed), OWN_EVALUATION) == []
    assert report_differences(data, bumped(allowed + 1), OWN_EVALUATION)
    assert report_differences(data, bumped(1), SAME_SAMPLES)
    moved = tuple((t + timedelta(minutes=1), v) for t, v in chart.points)
    changed = replace(data, usage_series=(Series(chart.name, moved), *data.usage_series[1:]))
    assert report_differences(data, changed, OWN_EVALUATION)


def test_query_answers_compare_series_without_their_name() -> None:
    a = [{"metric": {"__name__": "x", "job": "a"}, "value": [1, "1.0"]}]
    b = [{"metric": {"job": "a"}, "value": [1, "1.0000000000001"]}]
    assert vector_differences(a, b, SAME_SAMPLES) == []
    assert vector_differences(a, [{"metric": {"job": "b"}, "value": [1, "1"]}], SAME_SAMPLES)
    assert vector_differences(a, [{"metric": {"job": "a"}, "value": [1, "1.1"]}], SAME_SAMPLES)


def test_a_range_answer_may_have_more_points_on_victoriametrics_not_fewer() -> None:
    a = [{"metric": {"alertname": "X"}, "values": [[0, "1"]]}]
    more = [{"metric": {"alertname": "X"}, "values": [[0, "1"], [3600, "1"]]}]
    assert matrix_differences(a, more, SAME_SAMPLES) == []
    assert matrix_differences(more, a, SAME_SAMPLES)


def test_expressions_compare_without_their_line_breaks() -> None:
    data = sample_report()
    area, th = next(iter(data.thresholds.items()))
    one_line = replace(th, exprs={"warning": "a:b > 70 and on (x) c:d >= 0.1"})
    as_written = replace(th, exprs={"warning": "a:b > 70\nand on (x)\nc:d >= 0.1\n"})
    other = replace(th, exprs={"warning": "a:b > 75 and on (x) c:d >= 0.1"})

    def with_(t: object) -> object:
        return replace(data, thresholds={**data.thresholds, area: t})

    assert report_differences(with_(one_line), with_(as_written), SAME_SAMPLES) == []
    assert report_differences(with_(one_line), with_(other), SAME_SAMPLES)


def test_a_worst_hour_may_be_its_neighbour_only_when_evaluations_differ() -> None:
    data = sample_report()
    start = data.period.start + timedelta(hours=8)
    hour = WorstHour(0.61, start)

    def node(worst: WorstHour) -> object:
        return replace(data, nodes=(replace(data.nodes[0], memory_worst_hour=worst),))

    neighbour = node(WorstHour(0.6101, start + timedelta(hours=1)))
    assert report_differences(node(hour), neighbour, OWN_EVALUATION) == []
    assert report_differences(node(hour), neighbour, SAME_SAMPLES)
    far = node(WorstHour(0.61, start + timedelta(hours=2)))
    assert report_differences(node(hour), far, OWN_EVALUATION)


def test_crossings_are_paired_by_what_they_are_about() -> None:
    data = sample_report()
    t = data.period.start
    rows = tuple(
        Crossing(area, "warning", "shop/orders", "", 1440.0, t, data.period.end)
        for area in ("error_rate", "latency")
    )
    assert (
        report_differences(
            replace(data, crossings=rows), replace(data, crossings=rows[::-1]), SAME_SAMPLES
        )
        == []
    )
    longer = (replace(rows[0], minutes=1445.0), rows[1])
    assert report_differences(
        replace(data, crossings=rows), replace(data, crossings=longer), SAME_SAMPLES
    )
    assert (
        report_differences(
            replace(data, crossings=rows), replace(data, crossings=longer), OWN_EVALUATION
        )
        == []
    )  # one 5-minute step
