"""integrations.prometheus against a real Prometheus (Debian package) scraping itself."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import Rejected, Unavailable
from integrations.prometheus import PrometheusClient
from tests.helpers import free_port, refused_port, require_binary, stop, wait_http

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    binary = require_binary("prometheus")
    d = tmp_path_factory.mktemp("prom")
    port = free_port()
    (d / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs: [{job_name: self, static_configs: "
        f"[{{targets: ['127.0.0.1:{port}']}}]}}]\n"
    )
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={d / 'prometheus.yml'}",
            f"--storage.tsdb.path={d / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/-/ready")
    client = PrometheusClient(url)
    deadline = time.monotonic() + 20
    while not client.query('up{job="self"}') and time.monotonic() < deadline:
        time.sleep(0.3)
    yield client
    client.close()
    stop(proc)


def test_instant_and_range_queries(prometheus):
    [up] = prometheus.query('up{job="self"}')
    assert up.value == 1.0
    assert up.labels["job"] == "self"
    assert prometheus.query("1 + 1")[0].value == 2.0  # a scalar
    now = datetime.now(UTC)
    [series] = prometheus.query_range('up{job="self"}', now - timedelta(seconds=30), now, 1)
    assert series.last == 1.0
    assert len(series.values) >= 1
    assert "g0.expr=up" in prometheus.graph_url("up")


def test_bad_expression_is_rejected_with_prometheus_reason(prometheus):
    with pytest.raises(Rejected, match="parse error"):
        prometheus.query("sum(")


def test_unreachable_prometheus():
    c = PrometheusClient(f"http://127.0.0.1:{refused_port()}", timeout=1)
    with pytest.raises(Unavailable):
        c.query("up")
    c.close()


def test_external_labels_of_a_config_without_them(prometheus):
    assert prometheus.external_labels() == {}
