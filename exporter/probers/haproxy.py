"""HAProxy prober: read the stats page as CSV (`/stats;csv`) and report every frontend, backend
and server: whether it is up, the server's health-check status, and the HTTP response counters.

The probe succeeds when the stats page answered with parseable CSV; whether the servers behind it
are up is what the per-server metrics say. Up/down follows prometheus/haproxy_exporter, so rules
written for it read the same here. 5xx counters are kept per row type: the edge's own 5xx
(frontend 5xx minus the servers' 5xx) is then a subtraction in PromQL.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator

from exporter import http_client
from exporter.config import HaproxyTarget
from exporter.probers.http import request_headers, tls_for
from exporter.probers.result import MetricSpec, ProbeResult, Sample

_RESPONSES_HELP = "HTTP responses by status class, from HAProxy's hrsp_* counters, {}."
METRICS = {
    "healthcheck_haproxy_frontend_up": MetricSpec(
        "gauge", "Whether the HAProxy frontend is OPEN (1) or not (0).", ("target", "proxy")
    ),
    "healthcheck_haproxy_backend_up": MetricSpec(
        "gauge", "Whether the HAProxy backend is UP (1) or not (0).", ("target", "proxy")
    ),
    "healthcheck_haproxy_backend_active_servers": MetricSpec(
        "gauge", "Active servers in the HAProxy backend that are up.", ("target", "proxy")
    ),
    "healthcheck_haproxy_server_up": MetricSpec(
        "gauge",
        "Whether the HAProxy server is up (1: UP, DRAIN, no check) or not (0: DOWN, NOLB, MAINT).",
        ("target", "proxy", "server"),
    ),
    "healthcheck_haproxy_server_check_status": MetricSpec(
        "gauge",
        "The server's last health-check status (L4OK, L4CON, L7STS, ...), always 1.",
        ("target", "proxy", "server", "check_status"),
    ),
    "healthcheck_haproxy_server_check_duration_seconds": MetricSpec(
        "gauge", "Duration of the server's last health check.", ("target", "proxy", "server")
    ),
    "healthcheck_haproxy_frontend_http_responses": MetricSpec(
        "counter", _RESPONSES_HELP.format("sent by the frontend"), ("target", "proxy", "code")
    ),
    "healthcheck_haproxy_backend_http_responses": MetricSpec(
        "counter", _RESPONSES_HELP.format("sent by the backend"), ("target", "proxy", "code")
    ),
    "healthcheck_haproxy_server_http_responses": MetricSpec(
        "counter",
        _RESPONSES_HELP.format("returned by the server"),
        ("target", "proxy", "server", "code"),
    ),
}

_UP_STATUSES = frozenset({"OPEN", "no check", "DRAIN"})
_CODES = ("1xx", "2xx", "3xx", "4xx", "5xx", "other")
_TYPES = {"0": "frontend", "1": "backend", "2": "server"}


class StatsFormatError(ValueError):
    pass


def status_up(status: str) -> int:
    """UP, "UP 1/3" (going down) and the always-on states count as up, as haproxy_exporter does."""
    return int(status.startswith("UP") or status in _UP_STATUSES)


def parse_stats_csv(target: str, text: str) -> Iterator[Sample]:
    """Turn HAProxy's `show stat` CSV into samples."""
    if not text.startswith("# "):
        raise StatsFormatError(
            f"expected HAProxy stats CSV starting with '# pxname' (does the URL end in ;csv?), "
            f"got {text[:60]!r}"
        )
    rows = csv.DictReader(text[2:].splitlines())
    missing = {"pxname", "svname", "status", "type"} - set(rows.fieldnames or ())
    if missing:
        raise StatsFormatError(f"stats CSV lacks the columns {', '.join(sorted(missing))}")
    for row in rows:
        kind = _TYPES.get(row["type"])
        if kind is None:
            continue  # listeners (type 3) repeat their frontend
        proxy, status = row["pxname"], row["status"]
        labels: tuple[str, ...] = (target, proxy)
        if kind == "frontend":
            yield Sample("healthcheck_haproxy_frontend_up", labels, int(status == "OPEN"))
        elif kind == "backend":
            yield Sample("healthcheck_haproxy_backend_up", labels, status_up(status))
            if row.get("act", "").isdigit():
                yield Sample("healthcheck_haproxy_backend_active_servers", labels, int(row["act"]))
        else:
            labels = (target, proxy, row["svname"])
            yield Sample("healthcheck_haproxy_server_up", labels, status_up(status))
            check = (row.get("check_status") or "").removeprefix("* ").strip()
            if check:
                yield Sample("healthcheck_haproxy_server_check_status", (*labels, check), 1)
            duration = row.get("check_duration") or ""
            if duration.isdigit():
                yield Sample(
                    "healthcheck_haproxy_server_check_duration_seconds",
                    labels,
                    int(duration) / 1000,
                )
        name = f"healthcheck_haproxy_{kind}_http_responses"
        for code in _CODES:
            value = row.get(f"hrsp_{code}") or ""
            if value.isdigit():  # empty for TCP-mode proxies
                yield Sample(name, (*labels, code), int(value))


async def probe_haproxy(t: HaproxyTarget, log: Callable[[str], None]) -> ProbeResult:
    headers = request_headers(t, log)
    if headers is None:
        return ProbeResult(False)
    try:
        resp = await http_client.get(t.url, headers=headers, tls=tls_for(t), log=log)
    except (OSError, UnicodeError, http_client.HttpError) as e:
        log(f"GET {t.url}: {e}")
        return ProbeResult(False)
    if resp.status != 200:
        log(f"status {resp.status} from the stats page, expected 200")
        return ProbeResult(False)
    try:
        samples = list(parse_stats_csv(t.name, resp.body.decode("utf-8", "replace")))
    except (StatsFormatError, csv.Error) as e:
        log(str(e))
        return ProbeResult(False)
    log(f"parsed {len(samples)} values from the stats page")
    return ProbeResult(True, samples)
