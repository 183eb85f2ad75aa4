"""Reports right on day one: a Prometheus with weeks of raw data but none of the pack's recorded
series, or recorded ones only from midday (the rules installed then), gives the same daily
report as one that has them all along, and every one names each anomaly the synthetic cluster
holds (tests/fixtures/cluster.py), read back from the CSVs.

Three real Prometheus servers over the same two days of raw series, node_exporter scraped as
`<ip>:9100` (so node names must be looked up): without recorded series, with them from 12:00 of
the reported day, with them all along.
"""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from reporter.cli import main
from tests.reporter.conftest import END, SEOUL, pdftotext

pytestmark = pytest.mark.integration
DAY = "report-daily-2026-11-01-ko"
DAY_START = END - timedelta(days=1)


def _server(tmp_path_factory, kind: str):
    from tests.fixtures.cluster import ClusterModel, backfill
    from tests.fixtures.prometheus import PrometheusProcess
    from tests.helpers import free_port, require_binary

    model = ClusterModel(
        end=int(END.timestamp()),
        days=2,
        history_step=300,
        recent_minutes=2 * 1440,
        recent_step=60,
        recorded=kind != "raw",
        recorded_from=int((DAY_START + timedelta(hours=12)).timestamp()) if kind == "mixed" else 0,
        instances="address",
    )
    data = tmp_path_factory.mktemp(kind) / "tsdb"
    backfill(model, data, require_binary("promtool"))
    return PrometheusProcess(require_binary("prometheus"), data, free_port()), model


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """{"raw": (csv tables, pdf text), "recorded": ...} and the model."""
    out = {}
    for kind in ("raw", "mixed", "recorded"):
        server, model = _server(tmp_path_factory, kind)
        try:
            folder = tmp_path_factory.mktemp(f"report-{kind}")
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                code = main(
                    ["daily", "--end", END.isoformat(), "--out", str(folder), "--no-send"],
                    environ={"PROMETHEUS_URL": server.url},
                )
            assert code == 0
            out[kind] = (_tables(folder), pdftotext(folder / f"{DAY}.pdf"))
        finally:
            server.stop()
    return out, model


def _tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for path in folder.glob(f"{DAY}-*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as f:
            tables[path.stem.removeprefix(f"{DAY}-")] = list(csv.DictReader(f))
    return tables


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(SEOUL)


def test_every_anomaly_is_named_and_quantified_from_raw_series(reports):
    (tables, text), model = reports[0]["raw"], reports[1]
    nodes = {r["노드"]: r for r in tables["nodes"]}
    assert set(nodes) == {"node-1", "node-2", "node-3"}  # by name, not 10.0.0.12:9100
    assert nodes["node-2"]["주소"] == "10.0.0.12:9100"
    assert float(nodes["node-2"]["CPU 최대"]) == pytest.approx(96.0, abs=0.2)  # the busy node
    assert float(nodes["node-3"]["디스크 최대"]) == pytest.approx(93.0, abs=0.2)  # the full disk

    services = {r["서비스"]: r for r in tables["services"]}
    worst = max(services.values(), key=lambda r: float(r["5xx 비율 (%)"]))
    assert worst["서비스"] == "orders"
    orders = model.services[1]
    day = range(int(DAY_START.timestamp()) + 300, int(END.timestamp()) + 1, 300)
    errors = sum(model.service_5xx_rate(orders, t) for t in day)
    requests = sum(model.service_rate(orders, t) for t in day)
    assert float(worst["5xx 비율 (%)"]) == pytest.approx(100 * errors / requests, rel=0.01)
    p95 = model.service_quantile(orders, 0.95)
    assert float(worst["p95 평균 (ms)"]) == pytest.approx(p95, rel=0.01)  # the slow service

    hours = {r["서비스"]: r for r in tables["service-hours"]}
    in_burst = orders.burst[1]
    ratio = model.service_5xx_rate(orders, in_burst) / model.service_rate(orders, in_burst)
    assert float(hours["orders"]["5xx 최악 1시간 (%)"]) == pytest.approx(100 * ratio, rel=0.01)
    start = _at(hours["orders"]["5xx 최악 시작"])
    assert DAY_START + timedelta(hours=14) <= start <= DAY_START + timedelta(hours=16)

    crossed = {(r["대상"], r["항목"], r["수준"]): r for r in tables["crossings"]}
    busy = crossed[("node-2", "노드 CPU 사용률 (%)", "위험")]
    assert float(busy["넘은 시간 (분)"]) == 120
    assert _at(busy["처음"]) == DAY_START + timedelta(hours=10)
    assert _at(busy["마지막"]) == DAY_START + timedelta(hours=12)
    burst = crossed[("bravo-ai-integration-ns/orders", "서비스 5xx 비율 (%)", "위험")]
    assert float(burst["넘은 시간 (분)"]) == 180
    assert _at(burst["처음"]) == DAY_START + timedelta(hours=14)
    assert ("node-3 (/)", "파일시스템 사용률 (%)", "위험") in crossed

    probes = {r["대상"]: r for r in tables["probes"]}
    assert float(probes["payments-db"]["일부 실패 (분)"]) == pytest.approx(20, abs=1)
    assert float(probes["payments-db"]["장애 횟수"]) == 1

    assert "원시 시계열에서 같은 식으로 계산했습니다" in text
    # the narrative leads with the critical crossings: what, when, how long
    flat = " ".join(text.split())
    lead = flat.index("node-2의 노드 CPU 사용률이(가) 11/01 10:00부터 11/01 12:00까지 2시간 동안")
    assert lead < flat.index("클러스터 평균 CPU 사용률은")


@pytest.mark.parametrize("kind", ["raw", "mixed"])
def test_raw_and_recorded_series_give_the_same_report(reports, kind):
    raw, recorded = reports[0][kind][0], reports[0]["recorded"][0]
    assert set(raw) == set(recorded)
    compared = 0
    for name, rows in recorded.items():
        assert len(raw[name]) == len(rows), name
        for want, got in zip(rows, raw[name], strict=True):
            for column, value in want.items():
                try:
                    expected = float(value)
                except ValueError:
                    assert got[column] == value, (name, column)
                    continue
                assert float(got[column]) == pytest.approx(expected, rel=0.01, abs=1e-3), (
                    name,
                    column,
                    want,
                )
                compared += 1
    assert compared > 100
    assert "원시 시계열" not in reports[0]["recorded"][1]
    if kind == "mixed":
        assert "기록 규칙이 기록하기 전 구간을 원시 시계열에서 계산했습니다" in reports[0][kind][1]
