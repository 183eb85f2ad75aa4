"""The live config and its reloads (SIGHUP, or the file changing on disk).

A bad new file never replaces a good running one: the old config keeps probing, the error is
logged, and `healthcheck_config_last_reload_successful` drops to 0 so an alert can say so, as
Prometheus and Alertmanager do with their own config.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter import http_client
from exporter.config import ConfigError, ExporterConfig, load_config

log = logging.getLogger(__name__)


def _digest(path: str) -> bytes | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).digest()
    except OSError:
        return None


class ConfigHolder:
    """Holds the running config; raises ConfigError at construction if the first load fails."""

    def __init__(
        self,
        path: str,
        loader: Callable[[str], ExporterConfig] = load_config,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._loader = loader
        self._clock = clock
        self._lock = threading.Lock()
        self._digest = self._last_seen = _digest(path)
        self.config = loader(path)
        self.last_reload_successful = True
        self.last_success_time = clock()

    def reload(self) -> bool:
        with self._lock:
            self._digest = _digest(self.path)
            try:
                cfg = self._loader(self.path)
            except ConfigError as e:
                log.error("config reload failed, keeping the running config: %s", e)
                self.last_reload_successful = False
                return False
            self.config = cfg
            self.last_reload_successful = True
            self.last_success_time = self._clock()
            http_client.tls_context.cache_clear()  # a CA file may have been rotated with it
        log.info("config reloaded from %s: %d targets", self.path, sum(1 for _ in cfg.targets()))
        return True

    def changed_on_disk(self) -> bool:
        """True once the file's content differs from the loaded one and has stayed the same since
        the previous call: an editor's half-written file (or an empty one, a valid config with no
        targets) is not loaded in passing. Content, not mtime: a ConfigMap update swaps a symlink.
        """
        current = _digest(self.path)
        stable = current == self._last_seen
        self._last_seen = current
        return stable and current != self._digest

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "healthcheck_config_last_reload_successful",
            "Whether the last config reload attempt succeeded (1) or not (0).",
            value=int(self.last_reload_successful),
        )
        yield GaugeMetricFamily(
            "healthcheck_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful config load.",
            value=self.last_success_time,
        )

    def describe(self) -> list[Metric]:
        return []
