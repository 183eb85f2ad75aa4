"""The real `healthcheck-exporter` process: start-up errors, endpoints, reloads, shutdown."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import urllib.error

import pytest

from tests.helpers import EXPORTER, ExporterProcess, stop


def replace(path, text: str) -> None:
    """Atomically, as a ConfigMap update does (the watcher is also tested on in-place writes)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "exporter.yml"
    path.write_text(f"disk:\n  - name: first\n    path: {tmp_path}\n")
    return path


@pytest.fixture
def exporter(config):
    running = ExporterProcess(config, "--watch-interval", "0.2")
    yield running
    stop(running.proc)


def test_bad_config_exits_2_naming_file_and_key(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("tcp:\n  - name: a\n    address: nowhere\n")
    proc = subprocess.run(
        [*EXPORTER, "--config", str(bad), "--listen", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert str(bad) in proc.stderr
    assert "tcp[0].address" in proc.stderr
    assert '"host:port"' in proc.stderr


def test_check_config(config, tmp_path):
    ok = subprocess.run(
        [*EXPORTER, "--config", str(config), "--check-config"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (ok.returncode, ok.stdout.strip()) == (0, f"{config}: ok, 1 targets")
    missing = subprocess.run(
        [*EXPORTER, "--config", str(tmp_path / "none.yml"), "--check-config"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert missing.returncode == 2
    assert "cannot read file" in missing.stderr


def test_endpoints(exporter):
    status, headers, body = exporter.get("/metrics")
    text = body.decode()
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'healthcheck_probe_success{kind="disk",target="first"} 1.0' in text
    assert "healthcheck_config_last_reload_successful 1.0" in text
    assert "process_resident_memory_bytes" in text
    assert 'healthcheck_exporter_build_info{version="0.1.0"} 1.0' in text

    assert exporter.get("/healthz")[2] == b"ok\n"
    assert b"/metrics" in exporter.get("/")[2]
    with pytest.raises(urllib.error.HTTPError, match="404"):
        exporter.get("/probe?target=127.0.0.1:22")

    _, headers, body = exporter.get("/metrics", {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    assert b"healthcheck_probe_success" in gzip.decompress(body)

    _, headers, body = exporter.get(
        "/metrics", {"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")

    debug = exporter.get("/metrics?debug=true")[2].decode()
    assert debug.startswith("Probe logs:\ndisk first: success")


def test_scrape_timeout_header_bounds_probes(exporter):
    # A header below the offset is used as is; the disk probe is quick either way.
    status, _, _ = exporter.get("/metrics", {"X-Prometheus-Scrape-Timeout-Seconds": "0.4"})
    assert status == 200


def test_sighup_with_bad_config_keeps_running_config(exporter, config, tmp_path):
    replace(config, "disk: [oops\n")
    exporter.proc.send_signal(signal.SIGHUP)
    text = exporter.wait_for("healthcheck_config_last_reload_successful 0.0")
    assert "healthcheck_config_last_reload_successful 0.0" in text
    assert 'healthcheck_probe_success{kind="disk",target="first"} 1.0' in text
    assert any("config reload failed" in line for line in exporter.log)

    replace(config, f"disk:\n  - name: second\n    path: {tmp_path}\n")
    exporter.proc.send_signal(signal.SIGHUP)
    text = exporter.wait_for('target="second"')
    assert "healthcheck_config_last_reload_successful 1.0" in text
    assert 'target="first"' not in text


def test_file_change_is_picked_up_without_a_signal(exporter, config, tmp_path):
    config.write_text(f"disk:\n  - name: renamed\n    path: {tmp_path}\n")
    assert 'target="renamed"' in exporter.wait_for('target="renamed"')


def test_sigterm_exits_cleanly(exporter):
    exporter.proc.send_signal(signal.SIGTERM)
    try:
        code = exporter.proc.wait(20)
    except subprocess.TimeoutExpired:
        pytest.fail("no exit 20 s after SIGTERM; log:\n" + "".join(exporter.log))
    assert code == 0, "".join(exporter.log)
