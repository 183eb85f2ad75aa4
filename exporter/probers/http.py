"""HTTP prober: GET a URL and check its status (any 2xx unless `expected_status` says otherwise)
and, optionally, its body against a regular expression.

The body is read only when a regex needs it, so a health endpoint that streams is not downloaded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from exporter import http_client
from exporter.config import HaproxyTarget, HttpTarget
from exporter.probers.result import MetricSpec, ProbeResult, Sample

METRICS = {
    "healthcheck_http_status_code": MetricSpec(
        "gauge", "HTTP status code of the last response, after redirects.", ("target",)
    ),
    "healthcheck_http_redirects": MetricSpec(
        "gauge", "Number of redirects followed to reach the final response.", ("target",)
    ),
}


def request_headers(
    t: HttpTarget | HaproxyTarget, log: Callable[[str], None]
) -> tuple[tuple[str, str], ...] | None:
    """Configured headers plus basic auth; None (and a log line) if the password can't be read."""
    headers = tuple(getattr(t, "headers", ()))
    if t.basic_auth is None:
        return headers
    try:
        password = t.basic_auth.password()
    except OSError as e:
        log(f"reading password_file {t.basic_auth.password_file}: {e.strerror or e}")
        return None
    return (*headers, http_client.basic_auth_header(t.basic_auth.username, password))


def tls_for(t: HttpTarget | HaproxyTarget) -> Callable:
    return functools.partial(http_client.tls_context, t.insecure_skip_verify, t.ca_file)


async def probe_http(t: HttpTarget, log: Callable[[str], None]) -> ProbeResult:
    headers = request_headers(t, log)
    if headers is None:
        return ProbeResult(False)
    try:
        resp = await http_client.get(
            t.url,
            headers=headers,
            read_body=t.body_regex is not None,
            follow_redirects=t.follow_redirects,
            tls=tls_for(t),
            log=log,
        )
    except (OSError, UnicodeError, http_client.HttpError) as e:
        log(f"GET {t.url}: {e}")
        return ProbeResult(False)
    samples = [
        Sample("healthcheck_http_status_code", (t.name,), resp.status),
        Sample("healthcheck_http_redirects", (t.name,), resp.redirects),
    ]
    if t.expected_status:
        ok = resp.status in t.expected_status
        wanted = ", ".join(map(str, t.expected_status))
    else:
        ok = 200 <= resp.status < 300
        wanted = "2xx"
    if not ok:
        log(f"status {resp.status} from {resp.url}, expected {wanted}")
    elif t.body_regex is not None and not t.body_regex.search(resp.body):
        log(f"body does not match {t.body_regex.pattern!r}; starts {resp.body[:200]!r}")
        ok = False
    return ProbeResult(ok, samples)
