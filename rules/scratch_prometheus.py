"""A throw-away Prometheus on 127.0.0.1 that shows promtool the lower backfill levels.

promtool evaluates a level's rules with range queries against a server, and the rules of level
1 read the series level 0 has just written as blocks, which the cluster's Prometheus has not
loaded yet. This Prometheus serves both: the blocks written so far in its own TSDB, and
everything the cluster's Prometheus holds through remote read (`/api/v1/read`, which Prometheus
serves by default), merged as one query sees them. The cluster's Prometheus is only read.

The remote's external labels are copied into this one's config: remote read returns every series
with the remote's external labels, and Prometheus strips its own external labels from remote
results, so the raw series come back labelled exactly as the cluster's query API shows them.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import yaml

from integrations.errors import IntegrationError
from integrations.prometheus import PrometheusClient


def external_labels(url: str) -> tuple[dict[str, str], str]:
    """The external labels of the Prometheus at `url`, and '' or why they could not be read
    (a store without /api/v1/status/config, such as VictoriaMetrics, adds none anyway)."""
    client = PrometheusClient(url)
    try:
        return client.external_labels(), ""
    except IntegrationError as e:
        return {}, str(e)
    finally:
        client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scratch_config(remote_url: str, labels: dict[str, str]) -> str:
    config: dict[str, Any] = {
        "global": {"external_labels": labels} if labels else {},
        "remote_read": [{"url": f"{remote_url.rstrip('/')}/api/v1/read", "read_recent": True}],
    }
    return yaml.safe_dump(config, sort_keys=False)


class ScratchPrometheus:
    """`with ScratchPrometheus(binary, remote_url, labels, blocks, workdir) as url:` a
    Prometheus whose TSDB holds copies of `blocks` (block folders), that reads `remote_url`
    remotely and has the remote's external `labels`."""

    def __init__(
        self,
        binary: str,
        remote_url: str,
        labels: dict[str, str],
        blocks: list[Path],
        workdir: Path,
        timeout: float = 60,
    ) -> None:
        self.binary, self.remote_url, self.labels, self.blocks = binary, remote_url, labels, blocks
        self.workdir, self.timeout = workdir, timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None
        self.url = ""

    def __enter__(self) -> str:
        tsdb = self.workdir / "tsdb"
        shutil.rmtree(self.workdir, ignore_errors=True)
        tsdb.mkdir(parents=True)
        for block in self.blocks:  # copies: Prometheus may compact (and delete) what it loads
            shutil.copytree(block, tsdb / block.name)
        config = self.workdir / "prometheus.yml"
        config.write_text(scratch_config(self.remote_url, self.labels))
        port = _free_port()
        self._log = (self.workdir / "prometheus.log").open("wb")
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [
                self.binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tsdb}",
                "--storage.tsdb.retention.time=36500d",  # the blocks are as old as the backfill
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self._wait_ready()
        return self.url

    def _wait_ready(self) -> None:
        client = PrometheusClient(self.url, timeout=2)
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    log = (self.workdir / "prometheus.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the scratch Prometheus exited:\n{log}")
                try:
                    client.query("vector(1)")  # 503 until its TSDB is open
                    return
                except IntegrationError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"the scratch Prometheus at {self.url} did not answer a query "
                            f"within {self.timeout:g}s"
                        ) from None
                    time.sleep(0.2)
        finally:
            client.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
