"""The real daemons of the receiver's tests: Alertmanager (alone or as a cluster), HAProxy in
front of several receivers, and `alert-receiver` itself."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.helpers import ListeningProcess, free_port, require_binary, stop, wait_http

AM_CONFIG = """
route:
  receiver: receiver
  group_by: [namespace]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: receiver
    webhook_configs:
      - url: {url}
        send_resolved: true
        max_alerts: 50
        http_config:
          authorization:
            type: Bearer
            credentials_file: {token_file}
"""


class Alertmanager:
    """One Alertmanager; with `cluster_port` a peer gossiping on loopback with `peers`' ports."""

    def __init__(
        self,
        tmp: Path,
        webhook_url: str,
        token_file: Path,
        *,
        cluster_port: int | None = None,
        peers: Sequence[int] = (),
    ) -> None:
        binary = require_binary("prometheus-alertmanager")
        cluster = ["--cluster.listen-address="]
        if cluster_port is not None:
            cluster = [
                f"--cluster.listen-address=127.0.0.1:{cluster_port}",
                f"--cluster.advertise-address=127.0.0.1:{cluster_port}",
                "--cluster.gossip-interval=50ms",  # settles in about a second, not six
                *[f"--cluster.peer=127.0.0.1:{port}" for port in peers],
            ]
        (tmp / "am.yml").write_text(AM_CONFIG.format(url=webhook_url, token_file=token_file))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={tmp / 'am.yml'}",
                f"--storage.path={tmp / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                *cluster,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/-/ready")

    def close(self) -> None:
        stop(self.proc)


class ReceiverProcess(ListeningProcess):
    """`alert-receiver` in its own process group, so `kill` takes every process it started."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        argv = [sys.executable, "-m", "alert_receiver", "--listen", "127.0.0.1:0", *args]
        super().__init__(
            argv, "alert-receiver", env={**os.environ, **env}, timeout=30, new_session=True
        )

    def abort(self) -> None:
        self.kill()

    def kill(self) -> None:
        """kill -9 of the whole process group: supervisor, gunicorn, worker, delivery."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._drain.join(5)
        self.proc.stderr.close()

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self._drain.join(5)
        self.proc.stderr.close()
        return code


HAPROXY_CFG = """
global
    maxconn 200
defaults
    mode http
    timeout connect 500ms
    timeout client 10s
    timeout server 10s
    retries 3
    option redispatch
frontend receivers
    bind 127.0.0.1:{port}
    default_backend receivers
backend receivers
    balance roundrobin
    option httpchk GET /readyz
{servers}
"""


class HAProxy:
    """A real HAProxy (Debian's) balancing over receivers, as a Service over a Deployment's
    pods: round robin, health-checked, a dead one's requests redispatched to the others."""

    def __init__(self, tmp: Path, servers: dict[str, int]) -> None:
        binary = require_binary("haproxy")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        lines = "\n".join(
            f"    server {name} 127.0.0.1:{port} check inter 200ms fall 1 rise 1"
            for name, port in servers.items()
        )
        (tmp / "haproxy.cfg").write_text(HAPROXY_CFG.format(port=self.port, servers=lines))
        self.proc = subprocess.Popen(
            [binary, "-db", "-f", str(tmp / "haproxy.cfg")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"{self.url}/healthz")

    def close(self) -> None:
        stop(self.proc)
