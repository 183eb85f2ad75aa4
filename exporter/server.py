"""The exporter's HTTP endpoints: `/metrics` (probes run here), `/healthz`, and a landing page.

Targets come only from the config file, never from the request, so unlike blackbox_exporter's
`/probe?target=` nothing here can be aimed at an arbitrary address. `/metrics?debug=true` answers
with each probe's log before the metrics, the quickest way to see why a target fails.
"""

from __future__ import annotations

import gzip
import html
import logging
import socket
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

from exporter import __version__
from exporter.collector import HealthcheckCollector
from exporter.probe_loop import ProbeLoop
from exporter.reload import ConfigHolder

log = logging.getLogger(__name__)

SCRAPE_TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"
# The exporter's own process, platform and GC metrics: stateless collectors, made once.
_RUNTIME = CollectorRegistry(auto_describe=False)
for _make in (ProcessCollector, PlatformCollector, GCCollector):
    _make(registry=_RUNTIME)


class _BuildInfo:
    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "healthcheck_exporter_build_info",
            "The exporter's version, always 1.",
            labels=("version",),
        )
        info.add_metric((__version__,), 1)
        yield info

    def describe(self) -> list[Metric]:
        return []


class Exporter:
    """What the request handlers share: the live config, the probe loop and the settings."""

    def __init__(self, holder: ConfigHolder, loop: ProbeLoop, timeout_offset: float = 0.5) -> None:
        self.holder = holder
        self.loop = loop
        self.timeout_offset = timeout_offset

    def scrape(
        self, scrape_timeout: float | None
    ) -> tuple[CollectorRegistry, HealthcheckCollector]:
        """A fresh registry per scrape, so no state or series leaks from one to the next."""
        registry = CollectorRegistry(auto_describe=False)
        collector = HealthcheckCollector(
            self.holder.config,
            self.loop,
            scrape_timeout=scrape_timeout,
            timeout_offset=self.timeout_offset,
        )
        for c in (collector, self.holder, _BuildInfo(), _RUNTIME):
            registry.register(c)
        return registry, collector


def _parse_timeout(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds and seconds > 0 else None


class Handler(BaseHTTPRequestHandler):
    server: ExporterServer
    server_version = f"healthcheck-exporter/{__version__}"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        try:
            if url.path == "/metrics":
                self._metrics(urllib.parse.parse_qs(url.query))
            elif url.path == "/healthz":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
            elif url.path == "/":
                self._send(200, _landing_page(self.server.exporter), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")
        except Exception:  # one catch-all: log, answer 500, keep serving
            log.exception("error serving %s", self.path)
            self._send(500, b"internal error, see the exporter's log\n", "text/plain")

    def _metrics(self, query: dict[str, list[str]]) -> None:
        timeout = _parse_timeout(self.headers.get(SCRAPE_TIMEOUT_HEADER))
        registry, collector = self.server.exporter.scrape(timeout)
        if query.get("debug", [""])[0] == "true":
            body = generate_latest(registry)
            self._send(200, _debug_text(collector).encode() + body, "text/plain; charset=utf-8")
            return
        encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
        body = encoder(registry)
        gzip_ok = "gzip" in self.headers.get("Accept-Encoding", "")
        self._send(200, gzip.compress(body, 1) if gzip_ok else body, content_type, gzip_ok)

    def _send(self, code: int, body: bytes, content_type: str, gzipped: bool = False) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def _debug_text(collector: HealthcheckCollector) -> str:
    lines = ["Probe logs:"]
    for o in collector.outcomes:
        verdict = "success" if o.result.success else "FAILED"
        lines.append(f"{o.target.kind} {o.target.name}: {verdict} in {o.duration:.4f}s")
        lines += [f"    {line}" for line in o.log.lines]
    return "\n".join(lines) + "\n\nMetrics:\n"


def _landing_page(exporter: Exporter) -> bytes:
    cfg = exporter.holder.config
    rows = "".join(
        f"<tr><td>{html.escape(t.kind)}</td><td>{html.escape(t.name)}</td>"
        f"<td>{t.timeout:g}s</td></tr>"
        for t in cfg.targets()
    )
    return (
        "<!doctype html><title>Healthcheck exporter</title><h1>Healthcheck exporter</h1>"
        '<p><a href="/metrics">Metrics</a> · <a href="/metrics?debug=true">Probe logs</a> · '
        f'<a href="/healthz">Health</a></p><p>Config: {html.escape(exporter.holder.path)}</p>'
        f"<table><tr><th>kind</th><th>target</th><th>timeout</th></tr>{rows}</table>"
    ).encode()


class ExporterServer(ThreadingHTTPServer):
    daemon_threads = True
    # Prometheus HA pairs and a curl at 3 a.m. may scrape at once; each gets its own thread.
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], exporter: Exporter) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.exporter = exporter
        super().__init__(address, Handler)


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT` (all interfaces) or `[::1]:PORT`."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'expected HOST:PORT, ":PORT" or "[::1]:PORT", got {value!r}')
    host = host.strip("[]")
    return host or "0.0.0.0", int(port)  # noqa: S104 - ":PORT" means all interfaces, by design
