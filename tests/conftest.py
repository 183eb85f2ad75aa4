from __future__ import annotations

import pytest

from exporter.probe_loop import ProbeLoop


@pytest.fixture
def probe_loop():
    loop = ProbeLoop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def cluster_prometheus(tmp_path_factory):
    """A real Prometheus over a month of the synthetic cluster's metrics (see tests/fixtures).

    Yields (PrometheusProcess, ClusterModel). Built once per session: about ten seconds.
    """
    import time

    from tests.fixtures.cluster import ClusterModel, backfill
    from tests.fixtures.prometheus import PrometheusProcess
    from tests.helpers import free_port, require_binary

    prometheus = require_binary("prometheus")
    promtool = require_binary("promtool")
    model = ClusterModel(end=int(time.time()) - 120)
    data = tmp_path_factory.mktemp("cluster") / "tsdb"
    backfill(model, data, promtool)
    server = PrometheusProcess(prometheus, data, free_port())
    yield server, model
    server.stop()


@pytest.fixture(scope="module")
def moto():
    """A real moto server for SES (tests/fakes/moto_ses.py), one per test module."""
    from tests.fakes.moto_ses import MotoServer

    server = MotoServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def backfilled_prometheus(tmp_path_factory):
    """A real Prometheus over two days of raw series only, whose recorded history `python -m
    rules backfill` wrote (tests/fixtures/backfilled.py): a Backfilled (prometheus, model, ...).
    About 20 seconds, once per session."""
    from tests.fixtures.backfilled import start_backfilled
    from tests.helpers import free_port, require_binary

    prometheus = require_binary("prometheus")
    promtool = require_binary("promtool")
    work = tmp_path_factory.mktemp("backfilled")
    backfilled = start_backfilled(work, prometheus, promtool, free_port())
    yield backfilled
    backfilled.prometheus.stop()
