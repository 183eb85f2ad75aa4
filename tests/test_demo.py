"""The README's first command: the demo comes up and Prometheus sees what it should."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import require_binary

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.integration


def _free_run(n: int) -> int:
    """A base port with the n ports from it free on loopback (the demo takes a fixed block)."""
    for base in range(29000, 60000, 97):
        socks = []
        try:
            for port in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    pytest.fail("no free block of ports")


def test_demo_check(tmp_path):
    for binary in ("prometheus", "haproxy", "prometheus-alertmanager", "prometheus-node-exporter"):
        require_binary(binary)
    proc = subprocess.run(
        [
            sys.executable,
            "demo/run.py",
            "--check",
            "--out",
            str(tmp_path),
            "--port-base",
            str(_free_run(11)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"payments-db": 0.0' in proc.stdout
    # node_exporter is scraped by address; the report names the node as `hostname` does
    assert f"report nodes: ['{socket.gethostname()}']" in proc.stdout
