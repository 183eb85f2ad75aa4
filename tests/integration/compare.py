"""What "the same answer" means for two Prometheus-compatible stores: reports compared field by
field, query results series by series, under a named tolerance that says why it is what it is.

The report walk is generic (dataclasses, mappings, sequences, numbers, times, text), so a field
added to ReportData later is compared too. These allowances hold whatever the tolerance:

- `firing_minutes`: a series that stops without a staleness marker (the fixture's ALERTS;
  Prometheus writes markers when an alert resolves, promtool and the fixture cannot) is still
  found by Prometheus for its 5-minute lookback after the last sample, by VictoriaMetrics for
  about one sample interval, so Prometheus counts up to five minutes more per firing.
- range queries: a bare selector in VictoriaMetrics looks back one `step` (`max(step, scrape
  interval)`), in Prometheus 5 minutes, so at a 1h step VictoriaMetrics shows an ended series at
  up to one more step; every point Prometheus has, it has too, with the same value.
- text compares with runs of white space as one: an alert's expression comes from
  `/api/v1/rules`, which vmalert answers as the rule file writes it and Prometheus re-prints on
  one line.
- crossings are paired by what they are about (severity, area, subject, mount point), not by
  their place: reporter/peaks.py orders them by minutes, which may differ within a tolerance,
  and leaves ties (severity, minutes, first, subject) in the order the store lists its series.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reporter.model import AlertCount, Crossing, Series, WorstHour

LOOKBACK_MINUTES = 5  # Prometheus' default lookback delta


@dataclass(frozen=True)
class Tolerance:
    why: str
    rel: float  # relative difference allowed for a number
    abs: float = 1e-9
    minutes: float = 0  # absolute, for fields counting minutes (`minutes`, `*_minutes`)
    seconds: float = 0  # for times
    chart_points: float = 0  # share of a chart series' points allowed beyond `rel`
    hour_ties: bool = False  # a worst hour may be its neighbour when their values are close


# The same samples on both sides: only the query engines differ.
SAME_SAMPLES = Tolerance("the same raw and recorded samples in both stores", rel=1e-9)
# Recorded series from each store's own rule evaluation: promtool evaluates each group at a
# hash-based offset within the minute, vmalert on the minute, so every recorded sample is read
# up to a minute apart (the model moves less than 0.5 % a minute). So an episode's edges may
# move by one step of the report's 5-minute resolution (a 5m rate still holding a burst at one
# store's sample, no longer at the other's), a worst hour may be the neighbouring hour where
# the two are as bad (the memory wave's top spans two), and a chart point whose 5-minute window
# holds a step change of the model (the busy node, the 5xx burst) takes a different share of
# it: at most 1 % of the points.
OWN_EVALUATION = Tolerance(
    "recorded series evaluated by promtool and by vmalert, up to a minute apart",
    rel=5e-3,
    minutes=5,
    seconds=300,
    chart_points=0.01,
    hour_ties=True,
)


def close(a: float, b: float, tol: Tolerance) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(tol.abs, tol.rel * max(abs(a), abs(b)))


def report_differences(prometheus: Any, victoria: Any, tol: Tolerance) -> list[str]:
    """Every difference between two ReportData beyond `tol`, as `path: a != b` lines."""
    return list(_walk(prometheus, victoria, "report", tol))


def _walk(a: Any, b: Any, path: str, tol: Tolerance) -> Iterator[str]:
    if type(a) is not type(b) and not (_number(a) and _number(b)):
        yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, Series):
        yield from _series(a, b, path, tol)
    elif isinstance(a, AlertCount):
        yield from _alert(a, b, path, tol)
    elif isinstance(a, WorstHour):
        yield from _worst_hour(a, b, path, tol)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            yield from _field(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}", tol)
    elif isinstance(a, Mapping):
        if set(a) != set(b):
            yield f"{path}: keys {sorted(a)} != {sorted(b)}"
        else:
            for key in a:
                yield from _walk(a[key], b[key], f"{path}[{key!r}]", tol)
    elif isinstance(a, list | tuple):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items != {len(b)}"
        else:
            if a and all(isinstance(x, Crossing) for x in (*a, *b)):
                a, b = sorted(a, key=_crossing_order), sorted(b, key=_crossing_order)
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                yield from _walk(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, float):
        if not close(a, b, tol):
            yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, datetime):
        if abs((a - b).total_seconds()) > tol.seconds:
            yield f"{path}: {a.isoformat()} != {b.isoformat()}"
    elif isinstance(a, str):
        if a.split() != b.split():
            yield f"{path}: {a!r} != {b!r}"
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _field(a: Any, b: Any, path: str, tol: Tolerance) -> Iterator[str]:
    name = path.rsplit(".", 1)[-1]
    if (name == "minutes" or name.endswith("_minutes")) and _number(a) and _number(b):
        if abs(a - b) > max(tol.minutes, tol.rel * max(abs(a), abs(b))):
            yield f"{path}: {a!r} != {b!r} minutes"
    else:
        yield from _walk(a, b, path, tol)


def _alert(a: AlertCount, b: AlertCount, path: str, tol: Tolerance) -> Iterator[str]:
    """Prometheus may count up to LOOKBACK_MINUTES more per firing (see the module docstring);
    every other field as usual."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "firing_minutes":
            extra = LOOKBACK_MINUTES * (a.fired + 1) + tol.minutes
            if not -tol.minutes <= x - y <= extra:
                yield f"{path}.firing_minutes: {x!r} != {y!r} (Prometheus may count {extra} more)"
        else:
            yield from _field(x, y, f"{path}.{f.name}", tol)


def _worst_hour(a: WorstHour, b: WorstHour, path: str, tol: Tolerance) -> Iterator[str]:
    if not close(a.value, b.value, tol):
        yield f"{path}.value: {a.value!r} != {b.value!r}"
    apart = abs((a.start - b.start).total_seconds())
    if apart > tol.seconds and not (tol.hour_ties and apart == 3600):
        yield f"{path}.start: {a.start.isoformat()} != {b.start.isoformat()}"


def _crossing_order(c: Crossing) -> tuple[str, ...]:
    """What a crossing is about, unique in a report."""
    return (c.severity, c.area, c.subject, c.detail)


def _series(a: Series, b: Series, path: str, tol: Tolerance) -> Iterator[str]:
    if a.name != b.name or [t for t, _ in a.points] != [t for t, _ in b.points]:
        yield f"{path}: {a.name} at {len(a.points)} times != {b.name} at {len(b.points)} times"
        return
    off = [
        f"{t.isoformat()} {x!r} != {y!r}"
        for (t, x), (_, y) in zip(a.points, b.points, strict=True)
        if not close(x, y, tol)
    ]
    if len(off) > tol.chart_points * len(a.points):
        yield f"{path} ({a.name}): {len(off)} of {len(a.points)} points differ: {off[:3]}"


def labels(metric: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    """A series' identity for comparing stores: its labels without `__name__`, which
    VictoriaMetrics keeps after functions such as max_over_time and Prometheus drops."""
    return frozenset((k, v) for k, v in metric.items() if k != "__name__")


def vector_differences(prometheus: list[dict], victoria: list[dict], tol: Tolerance) -> list[str]:
    """An instant query's answers: the same series, values close."""
    a = {labels(r["metric"]): float(r["value"][1]) for r in prometheus}
    b = {labels(r["metric"]): float(r["value"][1]) for r in victoria}
    if set(a) != set(b):
        return [_mismatch(set(a), set(b))]
    return [f"{dict(k)}: {a[k]!r} != {b[k]!r}" for k in a if not close(a[k], b[k], tol)]


def matrix_differences(prometheus: list[dict], victoria: list[dict], tol: Tolerance) -> list[str]:
    """A range query's answers: the same series; every point Prometheus has, VictoriaMetrics
    has with a close value, and may have more (its lookback is one step, see above)."""
    a = {labels(r["metric"]): dict(r["values"]) for r in prometheus}
    b = {labels(r["metric"]): dict(r["values"]) for r in victoria}
    if set(a) != set(b):
        return [_mismatch(set(a), set(b))]
    out = []
    for key, points in a.items():
        for t, v in points.items():
            if t not in b[key] or not close(float(v), float(b[key][t]), tol):
                out.append(f"{dict(key)} at {t}: {v} != {b[key].get(t)}")
    return out


def _mismatch(a: set[frozenset[tuple[str, str]]], b: set[frozenset[tuple[str, str]]]) -> str:
    only_a = [dict(k) for k in list(a - b)[:3]]
    only_b = [dict(k) for k in list(b - a)[:3]]
    return f"series only in Prometheus: {only_a}, only in VictoriaMetrics: {only_b}"
