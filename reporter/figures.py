"""`key_figures(data, previous)`: the summary's key figures, each with the previous period's
value for its change arrow and a level from the alerts' thresholds (reporter/thresholds.py).

A figure is None where its section is missing (its source was down or not configured), so the
summary shows "-" rather than a zero that did not happen.
"""

from __future__ import annotations

from reporter.model import (
    AlertCount,
    Figure,
    Previous,
    ProbeAvailability,
    ReportData,
    Restarts,
    ServiceTraffic,
    StageErrors,
    Stat,
)


def key_figures(data: ReportData, previous: Previous) -> tuple[Figure, ...]:
    th = data.thresholds
    sections = ("usage", "traffic", "probes", "alerts", "restarts")
    have = {section: section not in data.missing for section in sections}
    prev_usage = previous.cluster_usage or {}

    def level(area: str, value: float | None) -> str:
        return th[area].level(value) if area in th else "ok"

    cpu = _pct(data.cluster_usage.get("cpu")) if have["usage"] else None
    memory = _pct(data.cluster_usage.get("memory")) if have["usage"] else None
    disk = _pct(data.cluster_usage.get("disk"), "peak") if have["usage"] else None
    error_ratio = _error_ratio(data.services) if have["traffic"] else None
    latency = data.latency_overall
    return (
        Figure("cpu_avg", cpu, _pct(prev_usage.get("cpu")), "%", level=level("cpu", cpu)),
        Figure(
            "memory_avg",
            memory,
            _pct(prev_usage.get("memory")),
            "%",
            level=level("memory", memory),
        ),
        Figure(
            "disk_peak", disk, _pct(prev_usage.get("disk"), "peak"), "%", level=level("disk", disk)
        ),
        Figure(
            "error_ratio",
            error_ratio,
            _error_ratio(previous.services) if previous.services is not None else None,
            "%",
            level=level("error_rate", error_ratio),
            digits=2,
        ),
        Figure(
            "latency",
            latency,
            previous.latency_overall,
            "ms",
            level=level("latency", latency),
            digits=0,
        ),
        Figure(
            "http_5xx",
            _total_5xx(data.stages) if have["traffic"] else None,
            _total_5xx(previous.stages) if previous.stages is not None else None,
            "count",
            digits=0,
        ),
        Figure(
            "availability",
            _availability(data.probes) if have["probes"] else None,
            _availability(previous.probes),
            "%",
            lower_is_better=False,
            digits=3,
        ),
        Figure(
            "alerts_fired",
            _fired(data.alerts) if have["alerts"] else None,
            _fired(previous.alerts),
            "count",
            digits=0,
        ),
        Figure(
            "restarts",
            _sum(data.restarts, "restarts") if have["restarts"] else None,
            _sum(previous.restarts, "restarts"),
            "count",
            digits=0,
        ),
        Figure(
            "oom_kills",
            _sum(data.restarts, "oom_kills") if have["restarts"] else None,
            _sum(previous.restarts, "oom_kills"),
            "count",
            digits=0,
        ),
        Figure(
            "log_errors",
            data.logs.total if data.logs else None,
            previous.log_errors,
            "count",
            digits=0,
        ),
    )


def _pct(stat: Stat | None, which: str = "avg") -> float | None:
    value = getattr(stat, which) if stat else None
    return value * 100 if value is not None else None


def _total_5xx(stages: tuple[StageErrors, ...] | None) -> float | None:
    values = [s.total for s in stages or () if s.total is not None]
    return sum(values) if values else None


def _error_ratio(services: tuple[ServiceTraffic, ...]) -> float | None:
    requests = sum(s.requests or 0 for s in services)
    errors = sum((s.requests or 0) * (s.error_ratio or 0) for s in services)
    return errors / requests * 100 if requests else None


def _availability(probes: tuple[ProbeAvailability, ...] | None) -> float | None:
    values = [p.availability for p in probes or () if p.availability is not None]
    return min(values) * 100 if values else None


def _fired(alerts: tuple[AlertCount, ...] | None) -> float | None:
    return float(sum(a.fired for a in alerts)) if alerts is not None else None


def _sum(rows: tuple[Restarts, ...] | None, attr: str) -> float | None:
    return float(sum(getattr(x, attr) for x in rows)) if rows is not None else None
