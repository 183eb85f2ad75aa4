"""The probers, one module per kind, chosen by the config's list name (as blackbox_exporter's
`Probers` table does). Each is `async def probe(target, log) -> ProbeResult` and never raises for a
target that is down: it returns a failure and logs why. The collector bounds its time.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from exporter.probers import disk, haproxy, http, tcp
from exporter.probers.result import MetricSpec, ProbeLog, ProbeResult, Sample

Prober = Callable[[Any, Callable[[str], None]], Awaitable[ProbeResult]]

PROBERS: dict[str, Prober] = {
    "tcp": tcp.probe_tcp,
    "http": http.probe_http,
    "haproxy": haproxy.probe_haproxy,
    "disk": disk.probe_disk,
}

# Every extra metric a prober may return, so the collector can give each its HELP and TYPE.
EXTRA_METRICS: dict[str, MetricSpec] = {
    **tcp.METRICS,
    **http.METRICS,
    **haproxy.METRICS,
    **disk.METRICS,
}

__all__ = ["EXTRA_METRICS", "PROBERS", "MetricSpec", "ProbeLog", "ProbeResult", "Prober", "Sample"]
