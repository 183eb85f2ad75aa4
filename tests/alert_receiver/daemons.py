"""The real daemons of the receiver's tests: Alertmanager, and `alert-receiver` itself."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
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
    def __init__(self, tmp: Path, webhook_url: str, token_file: Path) -> None:
        binary = require_binary("prometheus-alertmanager")
        (tmp / "am.yml").write_text(AM_CONFIG.format(url=webhook_url, token_file=token_file))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={tmp / 'am.yml'}",
                f"--storage.path={tmp / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
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
