"""TCP prober: connect, and optionally send bytes and wait for an expected answer.

This is what the old DaemonSet's `nc -z` loop did for Kubernetes services. IP literals skip the
resolver (most targets are Service IPs or `host:port` on loopback), which keeps a 2,000-target
round cheap; names are resolved on every probe, so a broken DNS record fails the probe.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable

from exporter.config import TcpTarget
from exporter.probers.result import MetricSpec, ProbeResult

METRICS: dict[str, MetricSpec] = {}
MAX_EXPECT_BYTES = 64 * 1024


async def _addresses(t: TcpTarget) -> list[tuple[int, tuple]]:
    if t.ip is not None:
        family = socket.AF_INET6 if ":" in t.ip else socket.AF_INET
        return [(family, (t.ip, t.port))]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(t.host, t.port, type=socket.SOCK_STREAM)
    return [(family, addr) for family, _, _, _, addr in infos]


async def probe_tcp(t: TcpTarget, log: Callable[[str], None]) -> ProbeResult:
    loop = asyncio.get_running_loop()
    try:
        addresses = await _addresses(t)
    except (OSError, UnicodeError) as e:  # UnicodeError: a name IDNA cannot encode
        log(f"resolving {t.host}: {e}")
        return ProbeResult(False)
    for family, addr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, addr)
            if t.send is not None:
                await loop.sock_sendall(sock, t.send)
            if t.expect is not None and not await _expect(loop, sock, t, log):
                return ProbeResult(False)
            return ProbeResult(True)
        except OSError as e:
            # asyncio words a refusal "Connect call failed"; the errno says what happened.
            reason = os.strerror(e.errno) if e.errno else str(e)
            log(f"connecting to {addr[0]} port {addr[1]}: {reason}")
        finally:
            sock.close()
    return ProbeResult(False)


async def _expect(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, t: TcpTarget, log: Callable[[str], None]
) -> bool:
    assert t.expect is not None
    buf = b""
    while not t.expect.search(buf):
        data = await loop.sock_recv(sock, 4096)
        if not data:
            log(f"connection closed before {t.expect.pattern!r} was read; got {buf[-200:]!r}")
            return False
        buf += data
        if len(buf) > MAX_EXPECT_BYTES:
            log(f"{t.expect.pattern!r} not in the first {MAX_EXPECT_BYTES} bytes")
            return False
    return True
