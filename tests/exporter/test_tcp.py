"""TCP prober against real loopback listeners: open, refused, blackholed, send/expect."""

from __future__ import annotations

import asyncio
import time

from exporter.collector import HealthcheckCollector
from exporter.config import parse_config
from exporter.probers import ProbeLog
from exporter.probers.tcp import probe_tcp
from tests.helpers import accept_and_close, blackhole, refused_port, samples, value


def _target(**entry):
    return parse_config({"tcp": [{"name": "t", **entry}]}).tcp[0]


def _probe(**entry):
    log = ProbeLog()
    result = asyncio.run(probe_tcp(_target(**entry), log))
    return result, log.lines


def test_open_port_succeeds():
    with accept_and_close() as srv:
        result, _ = _probe(address=srv.address)
    assert result.success


def test_refused_port_fails_and_says_why():
    result, lines = _probe(address=f"127.0.0.1:{refused_port()}")
    assert not result.success
    assert "Connection refused" in lines[-1]


def test_unresolvable_name_fails_without_raising():
    # A label over 63 characters is refused before any DNS query leaves the machine.
    result, lines = _probe(address=f"{'a' * 64}.invalid:80")
    assert not result.success
    assert "resolving" in lines[-1]


def test_localhost_name_is_resolved():
    with accept_and_close() as srv:
        result, _ = _probe(address=f"localhost:{srv.port}")
    assert result.success


def test_send_and_expect_matches_reply():
    with accept_and_close(
        reply=lambda req: b"+PONG\r\n" if req == b"PING\r\n" else b"-ERR\r\n"
    ) as srv:
        ok, _ = _probe(address=srv.address, send="PING\r\n", expect=r"^\+PONG")
        bad, lines = _probe(address=srv.address, send="HELLO\r\n", expect=r"^\+PONG")
    assert ok.success
    assert not bad.success
    assert "connection closed before" in lines[-1]
    assert "-ERR" in lines[-1]


def test_expect_banner():
    with accept_and_close(banner=b"SSH-2.0-OpenSSH_9.2\r\n") as srv:
        result, _ = _probe(address=srv.address, expect="^SSH-2.0-")
    assert result.success


def test_blackholed_port_times_out_without_delaying_others(probe_loop):
    with blackhole() as dark, accept_and_close() as live:
        cfg = parse_config(
            {
                "timeout": "0.5s",
                "tcp": [
                    {"name": "dark", "address": dark},
                    {"name": "live", "address": live.address},
                ],
            }
        )
        start = time.perf_counter()
        found = samples(HealthcheckCollector(cfg, probe_loop))
        elapsed = time.perf_counter() - start
    assert value(found, "healthcheck_probe_success", kind="tcp", target="dark") == 0
    assert value(found, "healthcheck_probe_success", kind="tcp", target="live") == 1
    dark_duration = value(found, "healthcheck_probe_duration_seconds", kind="tcp", target="dark")
    assert 0.45 < dark_duration < 0.8
    assert elapsed < 1.0
