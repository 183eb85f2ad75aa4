"""Alertmanager's v2 API (current alerts) and links into its UI (a pre-filled silence).

am = AlertmanagerClient("http://alertmanager.bravo-monitoring-ns:9093")
firing = am.alerts(active=True, silenced=False, inhibited=False)
url = silence_url(am.base_url, {"alertname": "NodeCPUUsageHigh", "instance": "node-1"})
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import requests

from integrations._http import JsonHttp
from integrations.errors import BadResponse

SYSTEM = "alertmanager"


def matcher(name: str, value: str) -> str:
    """`name="value"` with the value quoted as Alertmanager's matcher parser expects."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}="{escaped}"'


def silence_url(base_url: str, labels: Mapping[str, str], keys: Iterable[str] | None = None) -> str:
    """Alertmanager UI's "new silence" form, pre-filled with matchers for `keys` of `labels`
    (all of them by default)."""
    chosen = [k for k in (keys or sorted(labels)) if k in labels]
    matchers = ",".join(matcher(k, labels[k]) for k in chosen)
    query = urllib.parse.urlencode({"filter": "{" + matchers + "}"}, quote_via=urllib.parse.quote)
    return f"{base_url.rstrip('/')}/#/silences/new?{query}"


class AlertmanagerClient:
    def __init__(
        self,
        base_url: str,
        http: requests.Session | None = None,
        timeout: float = 5.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._http = JsonHttp(SYSTEM, base_url, http, timeout, headers)
        self.base_url = self._http.base_url

    def alerts(
        self,
        *,
        active: bool = True,
        silenced: bool = False,
        inhibited: bool = False,
        filters: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """`GET /api/v2/alerts`: gettableAlerts with `labels`, `annotations`, `startsAt`,
        `fingerprint`, `status.state`... as Alertmanager returns them."""
        params: list[tuple[str, str]] = [
            ("active", str(active).lower()),
            ("silenced", str(silenced).lower()),
            ("inhibited", str(inhibited).lower()),
        ]
        params += [("filter", f) for f in filters]
        body = self._http.get("/api/v2/alerts", params)
        if not isinstance(body, list):
            raise BadResponse(SYSTEM, f"expected a list of alerts, got {type(body).__name__}")
        return body

    def silence_url(self, labels: Mapping[str, str], keys: Iterable[str] | None = None) -> str:
        return silence_url(self.base_url, labels, keys)

    def close(self) -> None:
        self._http.close()
