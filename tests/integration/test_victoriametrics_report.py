"""A daily report from VictoriaMetrics is the report from Prometheus, field by field.

The same `reporter.collect` runs against the backfilled Prometheus and against both
VictoriaMetrics stores (tests/integration/conftest.py) for the last day of the data, with the
day before it to compare with. Against the store with Prometheus' own recorded samples only the
query engines differ, and every figure must agree to 1e-9; against the store whose recorded
series vmalert replayed, within the drift of evaluations a minute apart. Both tolerances and the
two allowances every comparison makes are in tests/integration/compare.py. The walk is generic,
so a figure added to the report later is held to the same.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from integrations.prometheus import PrometheusClient
from reporter import Clients, ReportData, collect, period_for
from reporter.model import NOT_CONFIGURED
from tests.fixtures.backfilled import SEOUL, daily_period_end
from tests.integration.compare import OWN_EVALUATION, SAME_SAMPLES, report_differences
from tests.integration.conftest import Victoria

pytestmark = pytest.mark.integration


def _report(url: str, end: datetime) -> ReportData:
    client = PrometheusClient(url, timeout=60)
    try:
        return collect(
            period_for("daily", end, SEOUL), Clients(prometheus=client), clock=lambda: end
        )
    finally:
        client.close()


@pytest.fixture(scope="module")
def reports(victoria: Victoria) -> dict[str, ReportData]:
    end = daily_period_end(victoria.prometheus.model)
    return {
        "prometheus": _report(victoria.prometheus.prometheus.url, end),
        "same_samples": _report(victoria.same_samples.url, end),
        "replayed": _report(victoria.replayed.url, end),
    }


@pytest.mark.parametrize("store", ["prometheus", "same_samples", "replayed"])
def test_every_section_has_data(reports: dict[str, ReportData], store: str) -> None:
    """Nothing to compare would compare equal: every Prometheus section is there, the day
    before is comparable, and the thresholds come from the rules the store evaluates."""
    data = reports[store]
    assert data.missing == {"inventory": NOT_CONFIGURED, "logs": NOT_CONFIGURED}
    assert data.comparable
    assert len(data.nodes) == 3
    assert len(data.services) == 4
    assert data.alerts
    assert data.restarts
    assert {t.source for t in data.thresholds.values()} == {"prometheus"}


def test_same_samples_give_the_same_report(reports: dict[str, ReportData]) -> None:
    found = report_differences(reports["prometheus"], reports["same_samples"], SAME_SAMPLES)
    assert not found, "\n".join(found)


def test_vmalert_recorded_series_give_the_same_report(reports: dict[str, ReportData]) -> None:
    found = report_differences(reports["prometheus"], reports["replayed"], OWN_EVALUATION)
    assert not found, "\n".join(found)
