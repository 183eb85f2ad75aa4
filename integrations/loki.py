"""Loki's HTTP query API: log lines and log-metric queries, with safe LogQL selectors.

`selector({"namespace": ns, "pod": pod})` is the only way callers should build a stream selector
from label values that came from an alert: values are quoted as Go string literals (JSON's escapes
are a subset Loki's parser accepts), so a value containing `"` or `}` cannot end the selector and
inject a query. `line_filter()` does the same for the `|~` filters.

    loki = LokiClient("http://loki.bravo-monitoring-ns:3100", timeout=5)
    result = loki.query_range('{namespace="shop"} |= "error"', start, end, limit=50)
    for entry in result.entries: print(entry.time, entry.labels["pod"], entry.line)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from integrations._http import JsonHttp
from integrations.errors import BadResponse

SYSTEM = "loki"
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@dataclass(frozen=True)
class LogEntry:
    time: datetime
    line: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Series:
    """A sample series of a metric query (`count_over_time`, `rate`...)."""

    labels: Mapping[str, str]
    values: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True)
class QueryResult:
    result_type: str  # "streams", "matrix" or "vector"
    entries: tuple[LogEntry, ...] = ()
    series: tuple[Series, ...] = ()


def quote(value: str) -> str:
    """A LogQL string literal for any value."""
    return json.dumps(value, ensure_ascii=False)


def selector(matchers: Mapping[str, str], regex: Mapping[str, str] | None = None) -> str:
    """`{a="x", b=~"y"}` from equality and regex matchers; label names are validated."""
    parts = []
    for op, items in (("=", matchers), ("=~", regex or {})):
        for name, value in items.items():
            if not _LABEL_NAME.fullmatch(name):
                raise ValueError(f"not a Loki label name: {name!r}")
            parts.append(f"{name}{op}{quote(value)}")
    if not parts:
        raise ValueError("a Loki stream selector needs at least one matcher")
    return "{" + ", ".join(parts) + "}"


def line_filter(pattern: str) -> str:
    """`|~ "<pattern>"`: lines matching a regex (RE2), quoted as the selector's values are."""
    return f"|~ {quote(pattern)}"


def _ns(t: datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return str(int(t.timestamp() * 1_000_000_000))


def _from_ns(value: str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1_000_000_000, tz=UTC)


class LokiClient:
    def __init__(
        self,
        base_url: str,
        http: requests.Session | None = None,
        timeout: float = 5.0,
        tenant: str | None = None,
    ) -> None:
        headers = {"X-Scope-OrgID": tenant} if tenant else {}
        self._http = JsonHttp(SYSTEM, base_url, http, timeout, headers)
        self.base_url = self._http.base_url

    def query_range(
        self,
        query: str,
        start: datetime,
        end: datetime,
        *,
        limit: int = 100,
        direction: str = "backward",
        step: str | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        params = {
            "query": query,
            "start": _ns(start),
            "end": _ns(end),
            "limit": str(limit),
            "direction": direction,
        }
        if step:
            params["step"] = step
        return self._result(self._http.get("/loki/api/v1/query_range", params, timeout))

    def query(self, query: str, at: datetime | None = None, *, limit: int = 100) -> QueryResult:
        """An instant query, for metric queries: `topk(5, sum by (x) (count_over_time(...)))`."""
        params = {"query": query, "limit": str(limit)}
        if at is not None:
            params["time"] = _ns(at)
        return self._result(self._http.get("/loki/api/v1/query", params))

    def ready(self) -> bool:
        try:
            self._http.request("GET", "/ready")
        except Exception:
            return False
        return True

    def _result(self, body: Any) -> QueryResult:  # decoded JSON, checked as it is read
        try:
            data = body["data"]
            kind = data["resultType"]
            raw = data["result"]
            if kind == "streams":
                entries = [
                    LogEntry(_from_ns(ts), line, stream.get("stream", {}))
                    for stream in raw
                    for ts, line, *_ in stream["values"]
                ]
                entries.sort(key=lambda e: e.time, reverse=True)
                return QueryResult(kind, entries=tuple(entries))
            if kind == "matrix":
                series = [
                    Series(s["metric"], tuple((_from_ns_s(t), float(v)) for t, v in s["values"]))
                    for s in raw
                ]
                return QueryResult(kind, series=tuple(series))
            if kind == "vector":
                series = [
                    Series(s["metric"], ((_from_ns_s(s["value"][0]), float(s["value"][1])),))
                    for s in raw
                ]
                return QueryResult(kind, series=tuple(series))
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise BadResponse(SYSTEM, f"unexpected query answer: {e!r}") from e
        raise BadResponse(SYSTEM, f"unknown resultType {kind!r}")

    def close(self) -> None:
        self._http.close()


def _from_ns_s(value: float | str) -> datetime:
    """Metric samples carry Unix seconds (float), unlike log entries' nanosecond strings."""
    return datetime.fromtimestamp(float(value), tz=UTC)
