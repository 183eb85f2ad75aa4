"""Every PromQL query of every dashboard answers the same on VictoriaMetrics as on Prometheus.

As tests/grafana/test_grafana_promql.py does on Prometheus alone: each dashboard's variables
are resolved as Grafana does (label_values, in order; at their defaults and with every value
ticked), on each store, and must list the same values; then every panel and variable query
runs at the data's end and every annotation over the two days (1h steps), on both stores, and
must return the same series with close values (tests/integration/compare.py: to 1e-9 where the
stores hold the same samples, within a minute's drift where vmalert recorded them).
"""

from __future__ import annotations

from typing import Any

import pytest

from grafana import build_all, settings_from
from grafana.sdk import to_data
from rules.config import load_config
from tests.grafana.testkit import Resolver, duration_seconds, queries, substitute
from tests.integration.compare import (
    OWN_EVALUATION,
    SAME_SAMPLES,
    Tolerance,
    matrix_differences,
    vector_differences,
)
from tests.integration.conftest import Victoria

pytestmark = pytest.mark.integration
DASHBOARDS = {key: to_data(d) for key, d in build_all(settings_from(load_config())).items()}
STORES = {"same_samples": SAME_SAMPLES, "replayed": OWN_EVALUATION}


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("key", DASHBOARDS)
def test_dashboard_queries_answer_alike(victoria: Victoria, key: str, store: str) -> None:
    data = DASHBOARDS[key]
    prometheus = victoria.prometheus.prometheus
    other = getattr(victoria, store)
    tol: Tolerance = STORES[store]
    model = victoria.prometheus.model
    span = duration_seconds(data["time"]["from"].removeprefix("now-"))
    found: list[str] = []
    ran = 0
    for explicit_all in (False, True):
        selection = Resolver(prometheus, model.end, span).resolve(data, explicit_all)
        theirs = Resolver(other, model.end, span).resolve(data, explicit_all)
        assert theirs.options == selection.options, "variables list other values"
        for q in queries(data):
            if q.datasource != "prometheus":
                continue
            expr = substitute(q.expr, selection.values)
            a, b = (_answer(s, expr, q.range_query, model) for s in (prometheus, other))
            assert a, f"{q.where}: no series on Prometheus for\n{expr}"
            compare = matrix_differences if q.range_query else vector_differences
            found += [f"{q.where}: {d}\n  {expr}" for d in compare(a, b, tol)]
            ran += 1
    assert ran
    assert not found, "\n".join(found[:20])


def _answer(store: Any, expr: str, range_query: bool, model: Any) -> list[dict]:
    if range_query:
        return store.api("query_range", query=expr, start=model.start, end=model.end, step=3600)[
            "result"
        ]
    return store.query(expr, time=model.end)
