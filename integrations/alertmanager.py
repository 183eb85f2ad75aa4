"""Alertmanager's v2 API (current alerts, silences) and links into its UI (a pre-filled silence).

am = AlertmanagerClient("http://alertmanager.bravo-monitoring-ns:9093")
firing = am.alerts(active=True, silenced=False, inhibited=False)
url = silence_url(am.base_url, {"alertname": "NodeCPUUsageHigh", "instance": "node-1"})
sid = am.create_silence({"alertname": "NodeCPUUsageHigh"}, ends_at, "jane (U0123)", "why")
am.get_silence(sid)["status"]["state"]  # "active", "pending" or "expired"; None if unknown
am.expire_silence(sid)

Alertmanager 0.25 answers `DELETE /api/v2/silence/{id}` with 200 for a silence that already
expired and 500 ("silence not found") for an unknown one, so callers that want to tell those
apart ask `get_silence` first (404 when unknown).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from integrations._http import JsonHttp
from integrations.errors import BadResponse, Rejected

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


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


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

    def create_silence(
        self,
        labels: Mapping[str, str],
        ends_at: datetime,
        created_by: str,
        comment: str,
        starts_at: datetime | None = None,
    ) -> str:
        """`POST /api/v2/silences` with one equality matcher per label; the new silence's ID.
        Alertmanager refuses (422, `Rejected`) a silence without matchers or already over."""
        body = {
            "matchers": [
                {"name": k, "value": v, "isRegex": False, "isEqual": True}
                for k, v in sorted(labels.items())
            ],
            "startsAt": _iso(starts_at or datetime.now(UTC)),
            "endsAt": _iso(ends_at),
            "createdBy": created_by,
            "comment": comment,
        }
        answer = self._http.request("POST", "/api/v2/silences", body=body)
        if not isinstance(answer, dict) or not answer.get("silenceID"):
            raise BadResponse(SYSTEM, f"expected a silenceID, got {str(answer)[:100]}")
        return str(answer["silenceID"])

    def get_silence(self, silence_id: str) -> dict[str, Any] | None:
        """`GET /api/v2/silence/{id}`: the gettableSilence (`status.state`, `endsAt`,
        `createdBy`, `matchers`...), or None when Alertmanager does not know the ID."""
        try:
            body = self._http.get(f"/api/v2/silence/{urllib.parse.quote(silence_id, safe='')}")
        except Rejected as e:
            if e.reason.startswith("HTTP 404"):
                return None
            raise
        if not isinstance(body, dict):
            raise BadResponse(SYSTEM, f"expected a silence, got {type(body).__name__}")
        return body

    def silences(self, filters: Iterable[str] = ()) -> list[dict[str, Any]]:
        """`GET /api/v2/silences`, those whose matchers include every `filters` matcher."""
        body = self._http.get("/api/v2/silences", [("filter", f) for f in filters])
        if not isinstance(body, list):
            raise BadResponse(SYSTEM, f"expected a list of silences, got {type(body).__name__}")
        return body

    def expire_silence(self, silence_id: str) -> None:
        """`DELETE /api/v2/silence/{id}`: the silence ends now (a no-op if it has ended)."""
        self._http.request("DELETE", f"/api/v2/silence/{urllib.parse.quote(silence_id, safe='')}")

    def close(self) -> None:
        self._http.close()
