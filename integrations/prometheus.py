"""Prometheus' HTTP API: instant and range queries, as the receiver and the reporter need them.

    prom = PrometheusClient("http://prometheus.bravo-monitoring-ns:9090")
    for s in prom.query('instance:node_cpu_utilisation:rate5m * 100'):
        print(s.labels["instance"], s.value)

Prometheus answers a bad expression with HTTP 400 and `errorType: bad_data`: that is `Rejected`
with Prometheus' own error text, so a caller can show which query was wrong.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
import yaml

from integrations._http import JsonHttp
from integrations.errors import BadResponse, Rejected

SYSTEM = "prometheus"


@dataclass(frozen=True)
class Sample:
    labels: Mapping[str, str]
    value: float
    time: datetime


@dataclass(frozen=True)
class AlertingRule:
    """One alerting rule as Prometheus evaluates it (`/api/v1/rules`)."""

    name: str
    query: str
    duration: float  # its `for`, in seconds
    labels: Mapping[str, str]
    group: str = ""


@dataclass(frozen=True)
class RangeSeries:
    labels: Mapping[str, str]
    values: tuple[tuple[datetime, float], ...]

    @property
    def last(self) -> float:
        return self.values[-1][1] if self.values else math.nan


def _ts(t: datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return f"{t.timestamp():.3f}"


def _time(value: float | str) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


class PrometheusClient:
    def __init__(
        self,
        base_url: str,
        http: requests.Session | None = None,
        timeout: float = 10.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._http = JsonHttp(SYSTEM, base_url, http, timeout, headers)
        self.base_url = self._http.base_url

    def query(
        self, expr: str, at: datetime | None = None, timeout: float | None = None
    ) -> list[Sample]:
        params = {"query": expr}
        if at is not None:
            params["time"] = _ts(at)
        data = self._data(self._http.get("/api/v1/query", params, timeout))
        try:
            if data["resultType"] == "scalar":
                t, v = data["result"]
                return [Sample({}, float(v), _time(t))]
            if data["resultType"] != "vector":
                raise BadResponse(SYSTEM, f"instant query gave {data['resultType']}")
            return [
                Sample(r["metric"], float(r["value"][1]), _time(r["value"][0]))
                for r in data["result"]
            ]
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise BadResponse(SYSTEM, f"unexpected query answer: {e!r}") from e

    def query_range(
        self,
        expr: str,
        start: datetime,
        end: datetime,
        step: timedelta | float,
        timeout: float | None = None,
    ) -> list[RangeSeries]:
        seconds = step.total_seconds() if isinstance(step, timedelta) else float(step)
        params = {"query": expr, "start": _ts(start), "end": _ts(end), "step": f"{seconds:g}"}
        data = self._data(self._http.get("/api/v1/query_range", params, timeout))
        try:
            return [
                RangeSeries(r["metric"], tuple((_time(t), float(v)) for t, v in r["values"]))
                for r in data["result"]
            ]
        except (KeyError, TypeError, ValueError) as e:
            raise BadResponse(SYSTEM, f"unexpected query_range answer: {e!r}") from e

    def alerting_rules(self, timeout: float | None = None) -> list[AlertingRule]:
        """The alerting rules it has loaded; `Rejected` (404) from a store without this API."""
        data = self._data(self._http.get("/api/v1/rules", {"type": "alert"}, timeout))
        try:
            return [
                AlertingRule(
                    r["name"],
                    r["query"],
                    float(r.get("duration") or 0),
                    r.get("labels") or {},
                    g.get("name", ""),
                )
                for g in data["groups"]
                for r in g["rules"]
                if r.get("type", "alerting") == "alerting"
            ]
        except (KeyError, TypeError, ValueError) as e:
            raise BadResponse(SYSTEM, f"unexpected rules answer: {e!r}") from e

    def external_labels(self, timeout: float | None = None) -> dict[str, str]:
        """The `global.external_labels` of its configuration (`/api/v1/status/config`); {} when
        it has none. A store without this API (VictoriaMetrics) raises `Rejected`."""
        data = self._data(self._http.get("/api/v1/status/config", None, timeout))
        try:
            config = yaml.safe_load(data["yaml"]) or {}
            labels = (config.get("global") or {}).get("external_labels") or {}
            return {str(k): str(v) for k, v in labels.items()}
        except (KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
            raise BadResponse(SYSTEM, f"unexpected config answer: {e!r}") from e

    def graph_url(self, expr: str, range_: str = "1h") -> str:
        query = urllib.parse.urlencode({"g0.expr": expr, "g0.tab": "0", "g0.range_input": range_})
        return f"{self.base_url}/graph?{query}"

    def _data(self, body: object) -> dict:
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else None
            if error:
                raise Rejected(SYSTEM, str(error))
            raise BadResponse(SYSTEM, f"unexpected answer: {str(body)[:100]}")
        return body["data"]

    def close(self) -> None:
        self._http.close()
