"""Every PromQL expression of every dashboard runs on a real Prometheus and finds series.

The Prometheus (Debian package) serves tests/fixtures/cluster.py's month of node_exporter,
cAdvisor, kube-state-metrics, Istio and healthcheck-exporter series and the recorded ones. Each
dashboard's variables are resolved against it as Grafana would (label_values, in order), then
every panel query runs at the end of the data with them substituted, twice: with the variables
at their defaults (All = the variable's allValue) and with every listed value selected, which
catches a variable that lists one label while the panels filter on another. Annotations run over
the whole month. Every vector selector of an expression must also match series in the month on
its own, so an `or vector(0)` fallback cannot hide a misspelt metric or label value. A misspelt
metric or label, or a recorded series the rules do not write, fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from grafana import build_all, settings_from
from grafana.sdk import to_data
from rules.config import load_config
from tests.grafana.testkit import (
    Query,
    Resolver,
    Selection,
    duration_seconds,
    label_values,
    queries,
    selectors,
    substitute,
)

pytestmark = pytest.mark.integration

# Queries the fixture cannot satisfy yet, as (dashboard, where, n): reason. Strict: once the
# fixture has the series, the test passes and the entry must go.
FIXTURE_GAPS: dict[tuple[str, str, int], str] = {}


def _cases() -> list[Any]:
    cases = []
    built = build_all(settings_from(load_config()))
    for key, dashboard in built.items():
        seen: dict[str, int] = {}
        for q in queries(to_data(dashboard)):
            if q.datasource != "prometheus":
                continue
            n = seen[q.where] = seen.get(q.where, -1) + 1
            gap = FIXTURE_GAPS.get((key, q.where, n))
            marks = [pytest.mark.xfail(strict=True, reason=f"fixture lacks {gap}")] if gap else []
            cases.append(pytest.param(key, q, id=f"{key}: {q.where} #{n}", marks=marks))
    return cases


@pytest.fixture(scope="module")
def resolved(
    cluster_prometheus: Any, dashboards: dict[str, dict[str, Any]]
) -> dict[str, tuple[Selection, Selection]]:
    prom, model = cluster_prometheus
    out = {}
    for key, data in dashboards.items():
        span = duration_seconds(data["time"]["from"].removeprefix("now-"))
        resolver = Resolver(prom, model.end, span)
        out[key] = (resolver.resolve(data, explicit_all=False), resolver.resolve(data, True))
    return out


@pytest.mark.parametrize(("key", "query"), _cases())
def test_query_returns_series(
    cluster_prometheus: Any,
    resolved: dict[str, tuple[Selection, Selection]],
    key: str,
    query: Query,
) -> None:
    prom, model = cluster_prometheus
    for selection in resolved[key]:
        expr = substitute(query.expr, selection.values)
        if query.range_query:
            data = prom.api("query_range", query=expr, start=model.start, end=model.end, step=3600)
            result = data["result"]
        else:
            result = prom.query(expr, time=model.end)
        assert result, f"{key} {query.where}: no series for\n{expr}"
        for selector in selectors(expr):
            found = prom.query(f"group(last_over_time({selector}[{model.days + 1}d]))", model.end)
            assert found, f"{key} {query.where}: {selector} matches no series in\n{expr}"


def test_every_variable_lists_values(
    resolved: dict[str, tuple[Selection, Selection]],
    dashboards: dict[str, dict[str, Any]],
) -> None:
    for key, data in dashboards.items():
        options = resolved[key][0].options
        for var in data["templating"]["list"]:
            if var["type"] == "query":
                label_values(var)  # the query is label_values(series, label)
                assert options[var["name"]], f"{key}: variable {var['name']} lists nothing"
