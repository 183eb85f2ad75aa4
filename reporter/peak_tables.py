"""The tables of what averages hide: the thresholds compared with, the time each node or service
spent beyond them, and the worst hours (reporter/peaks.py computes them)."""

from __future__ import annotations

from collections.abc import Callable

from reporter.cells import Cell, Table, integer, level, moment, number, percent, text
from reporter.model import ReportData, WorstHour

Tr = Callable[..., str]


def thresholds(data: ReportData, tr: Tr) -> Table:
    """What the report compares with, and where each value came from (reporter/thresholds.py)."""
    rows = tuple(
        (
            text(tr(f"area.{area}")),
            text(a.alert),
            text(f"{a.op} {a.warning:g}"),
            text(f"{a.op} {a.critical:g}"),
            text(a.for_ or "-"),
            text(tr(f"threshold.{a.source}")),
        )
        for area, a in data.thresholds.items()
    )
    columns = ("col.area", "col.alertname", "col.warning", "col.critical", "col.for", "col.source")
    return Table("thresholds", "summary", tr("table.thresholds"), _titles(tr, columns), rows)


def crossings(data: ReportData, tr: Tr, lang: str) -> Table:
    rows = tuple(
        (
            text(c.where),
            text(tr(f"area.{c.area}")),
            Cell(tr(f"level.{c.severity}"), c.severity, numeric=False),
            integer(c.minutes, c.severity),
            moment(c.first, lang),
            moment(c.last, lang),
        )
        for c in data.crossings
    )
    columns = ("col.subject", "col.area", "col.level", "col.minutes_beyond", "col.from", "col.to")
    return Table("crossings", "summary", tr("table.crossings"), _titles(tr, columns), rows)


def node_hours(data: ReportData, tr: Tr, lang: str) -> Table:
    th = data.thresholds
    rows = tuple(
        (
            text(n.label),
            *_hour(n.cpu_worst_hour, lang, lambda v: percent(v, 1, level(th.get("cpu"), v * 100))),
            *_hour(
                n.memory_worst_hour,
                lang,
                lambda v: percent(v, 1, level(th.get("memory"), v * 100)),
            ),
        )
        for n in data.nodes
        if n.cpu_worst_hour or n.memory_worst_hour
    )
    columns = (
        "col.node",
        "col.cpu_worst",
        "col.cpu_worst_at",
        "col.memory_worst",
        "col.memory_worst_at",
    )
    return Table("node_hours", "usage", tr("table.node_hours"), _titles(tr, columns), rows)


def service_hours(data: ReportData, tr: Tr, lang: str) -> Table:
    th = data.thresholds
    rows = tuple(
        (
            text(s.namespace),
            text(s.service),
            *_hour(
                s.error_worst_hour,
                lang,
                lambda v: percent(v, 2, level(th.get("error_rate"), v * 100)),
            ),
            *_hour(s.latency_worst_hour, lang, lambda v: number(v, 0, level(th.get("latency"), v))),
        )
        for s in data.services
        if s.error_worst_hour or s.latency_worst_hour
    )
    columns = (
        "col.namespace",
        "col.service",
        "col.error_worst",
        "col.error_worst_at",
        "col.latency_worst",
        "col.latency_worst_at",
    )
    return Table("service_hours", "traffic", tr("table.service_hours"), _titles(tr, columns), rows)


def _hour(worst: WorstHour | None, lang: str, cell: Callable[[float], Cell]) -> tuple[Cell, Cell]:
    if worst is None:
        return number(None), moment(None, lang)
    return cell(worst.value), moment(worst.start, lang)


def _titles(tr: Tr, keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(tr(k) for k in keys)
