"""What averages hide: each node's and service's worst hour, and the time spent beyond a threshold.

A day that averages 1 % 5xx can hold three hours at 4 %; a node at 60 % on average can have been
at 96 % all morning. Two queries per report:

- `hourly`: a range query, one point an hour, of each node's CPU and memory and each service's
  5xx ratio and latency quantile over the hour before; the worst point and its hour are kept.
- `crossings`: for each threshold of the pack's alerts (reporter/thresholds.py), the alert's own
  expression as the queried Prometheus evaluates it (or as the rules config writes it), as a
  range query at the rules' 5-minute resolution over the period (coarser over raw series:
  reporter/series.py): how many steps it held, the first and the last.
  So the comparison (`>` or `>=`) and any guard the alert has (a minimum request rate) are the
  alert's, not a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, tzinfo

from integrations.prometheus import RangeSeries
from reporter.model import AlertThreshold, Crossing, WorstHour
from reporter.period import Period
from reporter.series import (
    NODE_CPU,
    NODE_MEMORY,
    SERVICE_5XX,
    SERVICE_QUANTILE,
    SERVICE_REQUESTS,
    SeriesReader,
    union,
)

HOUR = timedelta(hours=1)
_HOUR_RANGE = "[3599999ms]"  # the hour before each point, its first instant left out
SVC = ("destination_service_namespace", "destination_service_name")
NODE_AREAS = ("cpu", "memory", "disk")
SEVERITY_ORDER = {"critical": 0, "warning": 1}


def hourly(q: SeriesReader, quantile: float) -> str:
    """Hourly averages: evaluate as a range query with a one-hour step (`hourly_range`)."""
    by = f"by ({', '.join(SVC)})"
    errors = f"sum {by} (avg_over_time({q.window(SERVICE_5XX, _HOUR_RANGE)}))"
    requests = f"sum {by} (avg_over_time({q.window(SERVICE_REQUESTS, _HOUR_RANGE)}))"
    latency = q.window(SERVICE_QUANTILE, _HOUR_RANGE, f'quantile="{quantile:g}"')
    return union(
        {
            "cpu": f"max by (instance) (avg_over_time({q.window(NODE_CPU, _HOUR_RANGE)}))",
            "memory": f"max by (instance) (avg_over_time({q.window(NODE_MEMORY, _HOUR_RANGE)}))",
            "errors": f"{errors} / {requests}",
            "latency": f"max {by} (avg_over_time({latency}))",
        }
    )


def hourly_range(p: Period) -> tuple[datetime, datetime, timedelta] | None:
    """(start, end, step) of the hourly range query; None for a period under an hour old."""
    first = p.start + HOUR
    return (first, p.end, HOUR) if first <= p.end else None


def worst_hours(
    series: Iterable[RangeSeries], tz: tzinfo | None
) -> dict[tuple[str, ...], WorstHour]:
    """(stat, instance) or (stat, namespace, service) -> the worst hour, its start in `tz`."""
    out: dict[tuple[str, ...], WorstHour] = {}
    for s in series:
        stat = s.labels.get("stat", "")
        keys = ("instance",) if stat in ("cpu", "memory") else SVC
        key = (stat, *(s.labels.get(k, "") for k in keys))
        points = [(t, v) for t, v in s.values if v == v]  # NaN: no requests that hour
        if not points:
            continue
        top = max(v for _, v in points)
        # the first of the hours at the top: equal hours differ in the last bits of a float
        t, v = next((t, v) for t, v in points if v >= top - abs(top) * 1e-6)
        out[key] = WorstHour(v, (t - HOUR).astimezone(tz))
    return out


def crossings(q: SeriesReader, thresholds: Mapping[str, AlertThreshold]) -> str:
    """Every threshold's alert expression, told apart by `stat` ("cpu:critical"): evaluated as
    a range query over the period (`crossings_range`), a point wherever it held. One range
    query evaluates each expression once a step; subqueries for the count, the first and the
    last would evaluate it three times."""
    parts = {
        f"{area}:{severity}": q.expand(expr)
        for area, th in thresholds.items()
        for severity, expr in th.exprs.items()
    }
    return union(parts) if parts else ""


def crossings_range(q: SeriesReader, p: Period) -> tuple[datetime, datetime, timedelta] | None:
    """(start, end, step) of the crossings' range query: the period, at the series' resolution."""
    step = timedelta(seconds=q.resolution_seconds)
    first = p.start + step
    return (first, p.end, step) if first <= p.end else None


def parse_crossings(
    series: Iterable[RangeSeries], name_of: Callable[[str], str], tz: tzinfo | None, step: int
) -> tuple[Crossing, ...]:
    """The crossings, critical first, then the longest; nodes by name (`name_of(instance)`).
    A point at t means the expression held at t: the step before it counts as beyond."""
    held: dict[tuple[str, str, str, str], set[datetime]] = {}
    for s in series:
        area, _, severity = s.labels.get("stat", "").partition(":")
        if area in NODE_AREAS:
            instance = s.labels.get("instance", "")
            subject, detail = name_of(instance) or instance, s.labels.get("mountpoint", "")
        else:
            subject = "/".join(s.labels.get(k, "") for k in SVC)
            detail = ""
        times = held.setdefault((area, severity, subject, detail), set())
        times.update(t for t, v in s.values if v == v)
    out = []
    for (area, severity, subject, detail), times in held.items():
        if not times:
            continue
        first = (min(times) - timedelta(seconds=step)).astimezone(tz)
        last = max(times).astimezone(tz)
        out.append(Crossing(area, severity, subject, detail, len(times) * step / 60, first, last))
    # a total order: whatever order the store returned its series in, the same rows
    out.sort(
        key=lambda c: (
            SEVERITY_ORDER.get(c.severity, 2),
            -c.minutes,
            c.first,
            c.subject,
            c.area,
            c.detail,
        )
    )
    return tuple(out)
