"""JSON over HTTP for the read-only APIs (Prometheus, Loki, Alertmanager), errors mapped once.

Each client takes an optional `requests.Session` (tests and the reporter pass their own, with
retries or a proxy); a client that made its own session closes it in `close()`.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from integrations.errors import BadResponse, RateLimited, Rejected, Timeout, Unavailable

USER_AGENT = "bravo-monitoring-pack/0.1"


class JsonHttp:
    def __init__(
        self,
        system: str,
        base_url: str,
        http: requests.Session | None = None,
        timeout: float = 5.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self._own = http is None
        self.http = http or requests.Session()
        self.timeout = timeout
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}

    def get(self, path: str, params: Any = None, timeout: float | None = None) -> Any:
        return self.request("GET", path, params=params, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> Any:
        url = f"{self.base_url}{path}"
        t = self.timeout if timeout is None else timeout
        try:
            resp = self.http.request(
                method, url, params=params, json=body, headers=self.headers, timeout=(t, t)
            )
        except requests.Timeout as e:
            raise Timeout(self.system, f"no answer from {self.base_url} within {t:g}s") from e
        except requests.RequestException as e:
            raise Unavailable(self.system, f"cannot reach {self.base_url}: {_short(e)}") from e
        with resp:
            return self._decode(resp)

    def _decode(self, resp: requests.Response) -> Any:
        status = resp.status_code
        text = resp.text
        if status == 429:
            raise RateLimited(self.system, f"HTTP 429: {text[:200]}", retry_after(resp.headers))
        if status >= 500:
            raise Unavailable(self.system, f"HTTP {status}: {text[:200].strip()}")
        if status >= 400:
            raise Rejected(self.system, f"HTTP {status}: {text[:200].strip()}")
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as e:
            raise BadResponse(self.system, f"answer is not JSON: {text[:100]!r}") from e

    def close(self) -> None:
        if self._own:
            self.http.close()


def retry_after(headers: Any, default: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header (any mapping, any case of the name): every client
    reads it this way; `default` when it is missing or not a number of seconds."""
    try:
        value = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
        return max(0.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


def _short(err: Exception) -> str:
    """requests' messages nest three exceptions deep; keep the innermost reason."""
    text = str(err)
    for marker in ("Caused by ", "] "):
        if marker in text:
            text = text.rsplit(marker, 1)[-1]
    return text.strip("()'\" ")[:200]
