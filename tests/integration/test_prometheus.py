"""Real Prometheus (Debian package) scrapes the real exporter; we read the result from its API."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from tests.helpers import (
    ExporterProcess,
    accept_and_close,
    free_port,
    refused_port,
    require_binary,
    stop,
    wait_http,
)

pytestmark = pytest.mark.integration

PROMETHEUS_CFG = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: healthcheck-exporter
    static_configs:
      - targets: ["{exporter}"]
"""


def _query(base: str, expr: str) -> dict[str, float]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    with urllib.request.urlopen(url, timeout=5) as resp:
        data = json.load(resp)
    return {r["metric"].get("target", ""): float(r["value"][1]) for r in data["data"]["result"]}


def test_prometheus_sees_live_target_up_and_dead_target_down(tmp_path):
    prometheus = require_binary("prometheus")
    with accept_and_close() as live:
        config = tmp_path / "exporter.yml"
        config.write_text(
            "tcp:\n"
            f"  - name: live\n    address: {live.address}\n"
            f"  - name: dead\n    address: 127.0.0.1:{refused_port()}\n"
        )
        exporter = ExporterProcess(config)
        port = free_port()
        (tmp_path / "prometheus.yml").write_text(
            PROMETHEUS_CFG.format(exporter=exporter.url.removeprefix("http://"))
        )
        prom = subprocess.Popen(
            [
                prometheus,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base}/-/ready")
            deadline = time.monotonic() + 30
            found: dict[str, float] = {}
            while time.monotonic() < deadline and len(found) < 2:
                found = _query(base, 'healthcheck_probe_success{job="healthcheck-exporter"}')
                time.sleep(0.5)
            assert found == {"live": 1.0, "dead": 0.0}
            up = _query(base, 'up{job="healthcheck-exporter"}')
            assert list(up.values()) == [1.0]
            # The scrape timeout header reached the exporter and it answered in time.
            scrape = _query(base, 'scrape_duration_seconds{job="healthcheck-exporter"}')
            assert all(v < 1.0 for v in scrape.values())
        finally:
            stop(prom)
            stop(exporter.proc)
