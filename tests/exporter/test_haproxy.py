"""HAProxy prober against a real HAProxy (Debian `haproxy`) with one server up and one down."""

from __future__ import annotations

import asyncio
import http.server
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from exporter.config import parse_config
from exporter.probers import ProbeLog
from exporter.probers.haproxy import StatsFormatError, parse_stats_csv, probe_haproxy, status_up
from tests.helpers import free_port, refused_port, require_binary, stop

HAPROXY_CFG = """
global
    maxconn 200
defaults
    mode http
    timeout connect 500ms
    timeout client 5s
    timeout server 5s
frontend stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
frontend web
    bind 127.0.0.1:{web}
    default_backend app
frontend broken
    bind 127.0.0.1:{broken}
    default_backend dead
backend app
    option httpchk GET /
    server alive 127.0.0.1:{alive} check inter 100ms fall 1 rise 1
    server gone 127.0.0.1:{gone} check inter 100ms fall 1 rise 1
backend dead
    server gone 127.0.0.1:{gone} check inter 100ms fall 1 rise 1
"""


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def haproxy(tmp_path_factory):
    binary = require_binary("haproxy")
    app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    ports = {
        "stats": free_port(),
        "web": free_port(),
        "broken": free_port(),
        "alive": app.server_address[1],
        "gone": refused_port(),
    }
    cfg = tmp_path_factory.mktemp("haproxy") / "haproxy.cfg"
    cfg.write_text(HAPROXY_CFG.format(**ports))
    proc = subprocess.Popen([binary, "-db", "-f", str(cfg)], stderr=subprocess.PIPE)
    stats = f"http://127.0.0.1:{ports['stats']}/stats"
    try:
        _wait_for_checks(f"{stats};csv", proc)
        # Traffic, so the response counters have something to count.
        urllib.request.urlopen(f"http://127.0.0.1:{ports['web']}/", timeout=5).read()
        with pytest.raises(urllib.error.HTTPError, match="503"):
            urllib.request.urlopen(f"http://127.0.0.1:{ports['broken']}/", timeout=5)
        yield stats
    finally:
        stop(proc)
        app.shutdown()
        app.server_close()


def _wait_for_checks(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"haproxy exited: {proc.stderr.read().decode()}")
        try:
            text = urllib.request.urlopen(url, timeout=1).read().decode()
        except OSError:
            time.sleep(0.1)
            continue
        if "app,alive," in text and ",UP," in text and ",DOWN," in text:
            return
        time.sleep(0.1)
    pytest.fail("haproxy health checks did not settle")


def _probe(url):
    target = parse_config({"haproxy": [{"name": "edge", "url": url}]}).haproxy[0]
    log = ProbeLog()
    result = asyncio.run(probe_haproxy(target, log))
    return result, {(s.name, s.labels): s.value for s in result.samples}, log.lines


def test_real_haproxy_servers_backends_frontends(haproxy):
    result, found, _ = _probe(f"{haproxy};csv")
    assert result.success
    assert found["healthcheck_haproxy_server_up", ("edge", "app", "alive")] == 1
    assert found["healthcheck_haproxy_server_up", ("edge", "app", "gone")] == 0
    assert found["healthcheck_haproxy_server_up", ("edge", "dead", "gone")] == 0
    assert found["healthcheck_haproxy_backend_up", ("edge", "app")] == 1
    assert found["healthcheck_haproxy_backend_up", ("edge", "dead")] == 0
    assert found["healthcheck_haproxy_backend_active_servers", ("edge", "app")] == 1
    assert found["healthcheck_haproxy_frontend_up", ("edge", "web")] == 1
    check = ("healthcheck_haproxy_server_check_status", ("edge", "app", "gone", "L4CON"))
    assert found[check] == 1
    assert found["healthcheck_haproxy_server_check_status", ("edge", "app", "alive", "L7OK")] == 1
    assert found["healthcheck_haproxy_server_check_duration_seconds", ("edge", "app", "alive")] < 1


def test_real_haproxy_response_counters_split_edge_from_server(haproxy):
    _, found, _ = _probe(f"{haproxy};csv")
    responses = "healthcheck_haproxy_{}_http_responses"
    # HAProxy itself answered 503 on `broken`: the frontend counts it, no server does.
    assert found[responses.format("frontend"), ("edge", "broken", "5xx")] == 1
    assert found[responses.format("backend"), ("edge", "dead", "5xx")] == 1
    assert found[responses.format("server"), ("edge", "dead", "gone", "5xx")] == 0
    assert found[responses.format("server"), ("edge", "app", "alive", "2xx")] == 1
    assert found[responses.format("frontend"), ("edge", "web", "2xx")] == 1


def test_html_stats_page_fails_with_hint(haproxy):
    result, _, lines = _probe(haproxy)
    assert not result.success
    assert "does the URL end in ;csv?" in lines[-1]


def test_unreachable_stats_page_fails():
    result, _, lines = _probe(f"http://127.0.0.1:{refused_port()}/stats;csv")
    assert not result.success
    assert "GET" in lines[-1]


@pytest.mark.parametrize(
    ("status", "up"),
    [
        ("UP", 1),
        ("UP 1/3", 1),
        ("no check", 1),
        ("DRAIN", 1),
        ("OPEN", 1),
        ("DOWN", 0),
        ("DOWN 1/2", 0),
        ("NOLB", 0),
        ("MAINT", 0),
        ("MAINT(via)", 0),
    ],
)
def test_status_mapping_matches_haproxy_exporter(status, up):
    assert status_up(status) == up


def test_check_in_progress_marker_is_stripped():
    text = (
        "# pxname,svname,status,type,check_status,check_duration,hrsp_5xx\napp,s1,UP,2,* L7OK,3,\n"
    )
    found = {(s.name, s.labels): s.value for s in parse_stats_csv("edge", text)}
    assert found["healthcheck_haproxy_server_check_status", ("edge", "app", "s1", "L7OK")] == 1
    # Empty hrsp_* (a TCP-mode proxy) gives no counter rather than a zero.
    assert not any(name.endswith("_http_responses") for name, _ in found)


def test_csv_without_required_columns_is_refused():
    with pytest.raises(StatsFormatError, match="lacks the columns"):
        list(parse_stats_csv("edge", "# pxname,svname\na,b\n"))
