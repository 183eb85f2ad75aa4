"""Loopback targets and real daemons for the tests. Everything listens on 127.0.0.1, port 0."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

EXPORTER = [sys.executable, "-m", "exporter"]


def require_binary(name: str) -> str:
    """The path of a Debian-packaged daemon; CI must have it, a laptop may skip."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed; scripts/install.sh installs it")
    pytest.skip(f"{name} is not installed (run scripts/install.sh)")


def free_port() -> int:
    """For daemons that cannot be told to take port 0 and report it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused_port() -> int:
    """A port nothing listens on: bound (so nobody else takes it) but not listening."""
    return free_port()


class AcceptAndClose:
    """A TCP server that accepts every connection and closes it, like a healthy port."""

    def __init__(self, banner: bytes = b"", reply: Callable[[bytes], bytes] | None = None) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self._banner, self._reply = banner, reply
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            with conn:
                try:
                    if self._banner:
                        conn.sendall(self._banner)
                    if self._reply:
                        conn.settimeout(2)
                        conn.sendall(self._reply(conn.recv(4096)))
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@contextmanager
def accept_and_close(**kwargs) -> Iterator[AcceptAndClose]:
    server = AcceptAndClose(**kwargs)
    try:
        yield server
    finally:
        server.close()


@contextmanager
def blackhole() -> Iterator[str]:
    """A loopback address whose SYNs are dropped: a listener with a full accept queue.

    Linux keeps `backlog + 1` unaccepted connections; once full, new SYNs get no answer, so a
    connect hangs exactly as it would to a firewalled host, without leaving loopback.
    """
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    addr = srv.getsockname()
    fillers = []
    for _ in range(2):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(addr)
        fillers.append(c)
    time.sleep(0.05)
    try:
        yield f"127.0.0.1:{addr[1]}"
    finally:
        for c in fillers:
            c.close()
        srv.close()


def wait_redis(port: int, password: str | None = None, proc=None, timeout: float = 10) -> None:
    """Wait until the Redis on `port` answers PING (with `password` if it wants one)."""
    import redis

    client = redis.Redis(port=port, password=password)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
                    raise
                time.sleep(0.05)
    finally:
        client.close()


def wait_http(url: str, timeout: float = 20.0) -> None:
    """Wait until `url` answers below 500 (a 503 from /-/ready means: not yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError as e:
            e.close()
            if e.code < 500:
                return
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def samples(collector) -> dict[tuple[str, frozenset], float]:
    """Collect once and index every sample by name and labels (get_sample_value would re-probe)."""
    out = {}
    for family in collector.collect():
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


class ListeningProcess:
    """One of our CLIs started with `--listen 127.0.0.1:0`: the port is the kernel's choice, so
    the URL is read from its "listening on" log line; `log` keeps every line it wrote."""

    def __init__(
        self,
        argv: list[str],
        what: str,
        *,
        env: dict[str, str] | None = None,
        timeout: float = 15,
        new_session: bool = False,
    ) -> None:
        self.proc = subprocess.Popen(
            argv, env=env, stderr=subprocess.PIPE, text=True, start_new_session=new_session
        )
        self.log: list[str] = []
        found = threading.Event()
        self.url = ""

        def drain() -> None:
            for line in self.proc.stderr:
                self.log.append(line)
                m = re.search(r"listening on ([\d.]+:\d+)", line)
                if m and not found.is_set():
                    self.url = f"http://{m.group(1)}"
                    found.set()

        self._drain = threading.Thread(target=drain, daemon=True)
        self._drain.start()
        if not found.wait(timeout):
            self.abort()
            pytest.fail(f"{what} did not start:\n" + "".join(self.log))

    def abort(self) -> None:
        stop(self.proc)


class ExporterProcess(ListeningProcess):
    """The real exporter CLI."""

    def __init__(self, config: Path, *extra: str) -> None:
        argv = [*EXPORTER, "--config", str(config), "--listen", "127.0.0.1:0", *extra]
        super().__init__(argv, "exporter")

    def get(self, path: str, headers: dict | None = None):
        req = urllib.request.Request(self.url + path, headers=headers or {})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()

    def metrics(self) -> str:
        return self.get("/metrics")[2].decode()

    def wait_for(self, text: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while True:
            body = self.metrics()
            if text in body or time.monotonic() > deadline:
                return body
            time.sleep(0.1)
