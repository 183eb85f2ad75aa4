"""HTTP prober against a real local HTTP(S) server: status, redirects, auth, body, chunked, slow."""

from __future__ import annotations

import asyncio
import base64
import http.server
import socket
import ssl
import subprocess
import threading

import pytest

from exporter.collector import HealthcheckCollector
from exporter.config import parse_config
from exporter.probers import ProbeLog
from exporter.probers.http import probe_http
from tests.helpers import refused_port, require_binary, samples, value


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        routes = {
            "/ok": (200, b"fine"),
            "/health": (200, b'{"database": "ok"}'),
            "/fail": (503, b"down"),
            "/created": (201, b""),
        }
        if self.path == "/redirect":
            return self._send(302, b"", [("Location", "/ok")])
        if self.path == "/loop":
            return self._send(302, b"", [("Location", "/loop")])
        if self.path == "/auth":
            want = "Basic " + base64.b64encode(b"probe:s3cret").decode()
            if self.headers.get("Authorization") != want:
                return self._send(401, b"who are you", [("WWW-Authenticate", "Basic")])
            return self._send(200, b"welcome")
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"status: ", b"ready", b"\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return None
        if self.path == "/echo-host":
            return self._send(200, self.headers.get("Host", "").encode())
        code, body = routes.get(self.path, (404, b"no"))
        return self._send(code, body)

    def _send(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def tls_web(tmp_path_factory):
    openssl = require_binary("openssl")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", d / "key.pem", "-out", d / "cert.pem", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{srv.server_address[1]}", str(d / "cert.pem")
    srv.shutdown()
    srv.server_close()


def _probe(url, **entry):
    target = parse_config({"http": [{"name": "t", "url": url, **entry}]}).http[0]
    log = ProbeLog()
    result = asyncio.run(probe_http(target, log))
    status = {s.name: s.value for s in result.samples}.get("healthcheck_http_status_code")
    return result.success, status, log.lines


def test_2xx_succeeds(web):
    assert _probe(f"{web}/ok")[:2] == (True, 200)
    assert _probe(f"{web}/created")[:2] == (True, 201)


def test_5xx_fails_with_status_and_reason(web):
    ok, status, lines = _probe(f"{web}/fail")
    assert (ok, status) == (False, 503)
    assert "expected 2xx" in lines[-1]


def test_expected_status_list(web):
    assert _probe(f"{web}/fail", expected_status=[503])[0]
    assert not _probe(f"{web}/ok", expected_status=[204])[0]


def test_redirects_followed_or_not(web):
    ok, status, _ = _probe(f"{web}/redirect")
    assert (ok, status) == (True, 200)
    ok, status, _ = _probe(f"{web}/redirect", follow_redirects=False)
    assert (ok, status) == (False, 302)
    ok, _, lines = _probe(f"{web}/loop")
    assert not ok
    assert "more than 10 redirects" in lines[-1]


def test_basic_auth_from_password_file(web, tmp_path):
    (tmp_path / "pw").write_text("s3cret\n")
    auth = {"username": "probe", "password_file": str(tmp_path / "pw")}
    assert _probe(f"{web}/auth", basic_auth=auth)[:2] == (True, 200)
    assert _probe(f"{web}/auth")[:2] == (False, 401)
    ok, _, lines = _probe(f"{web}/auth", basic_auth={**auth, "password_file": "/nonexistent"})
    assert not ok
    assert "password_file" in lines[-1]


def test_body_regex(web):
    assert _probe(f"{web}/health", body_regex=r'"database":\s*"ok"')[0]
    ok, _, lines = _probe(f"{web}/ok", body_regex="database")
    assert not ok
    assert "does not match" in lines[-1]


def test_chunked_body_is_decoded(web):
    assert _probe(f"{web}/chunked", body_regex=r"^status: ready\n$")[0]


def test_host_header_carries_port(web):
    port = web.rsplit(":", 1)[1]
    assert _probe(f"{web}/echo-host", body_regex=f"^127.0.0.1:{port}$")[0]


def test_refused_fails(web):
    ok, status, lines = _probe(f"http://127.0.0.1:{refused_port()}/")
    assert (ok, status) == (False, None)
    assert "GET" in lines[-1]


def test_https_verification(tls_web):
    url, ca = tls_web
    ok, _, lines = _probe(f"{url}/ok")
    assert not ok
    assert "CERTIFICATE_VERIFY_FAILED" in lines[-1]
    assert _probe(f"{url}/ok", ca_file=ca)[:2] == (True, 200)
    assert _probe(f"{url}/ok", insecure_skip_verify=True)[:2] == (True, 200)


def test_server_that_never_answers_is_cut_at_the_deadline(probe_loop):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (kernel) and never replies
    try:
        port = silent.getsockname()[1]
        cfg = parse_config(
            {"http": [{"name": "silent", "url": f"http://127.0.0.1:{port}/", "timeout": "5s"}]}
        )
        # Prometheus says it waits 1 s; the offset leaves 0.5 s for the probe.
        found = samples(HealthcheckCollector(cfg, probe_loop, scrape_timeout=1.0))
    finally:
        silent.close()
    assert value(found, "healthcheck_probe_success", kind="http", target="silent") == 0
    took = value(found, "healthcheck_probe_duration_seconds", kind="http", target="silent")
    assert 0.45 < took < 0.8
