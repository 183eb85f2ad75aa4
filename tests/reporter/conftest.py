"""Shared fixtures: a real Prometheus over two weeks of the synthetic cluster, ending at a fixed
Monday 00:00 in Asia/Seoul, so a weekly report covers one whole ISO week and the week before it
is there to compare with; the model's probe outages fall on the last weekend."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SEOUL = ZoneInfo("Asia/Seoul")
END = datetime(2026, 11, 2, 0, 0, tzinfo=SEOUL)  # a Monday: the week 2026-W44 has just ended


@pytest.fixture(scope="session")
def report_prometheus(tmp_path_factory):
    """(PrometheusProcess, ClusterModel): 15 days, 3 nodes, 12 pods, backfilled with promtool."""
    from tests.fixtures.cluster import ClusterModel, backfill
    from tests.fixtures.prometheus import PrometheusProcess
    from tests.helpers import free_port, require_binary

    prometheus = require_binary("prometheus")
    promtool = require_binary("promtool")
    model = ClusterModel(end=int(END.timestamp()), days=15, history_step=300)
    data = tmp_path_factory.mktemp("report-cluster") / "tsdb"
    backfill(model, data, promtool)
    server = PrometheusProcess(prometheus, data, free_port())
    yield server, model
    server.stop()
