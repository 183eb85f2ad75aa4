"""Numbers as the report prints them, in one place for the PDF, the CSVs and the messages.

`None` (no data) is "-". Percentages are given ratios (0.123 -> "12.3"); a figure's value with
its unit ("12.3%", "450 ms", "1,234") and its change from the previous period ("▲ 2.1%p").
"""

from __future__ import annotations

from datetime import datetime

from reporter.i18n import t
from reporter.model import Figure


def num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    out = f"{value:,.{digits}f}"
    return out.lstrip("-") if out.lstrip("-").strip("0.,") == "" else out


def plain(value: float | None, digits: int = 1) -> str:
    """A number as data (CSV): no separators, a dot, no unit; "" for none."""
    if value is None:
        return ""
    out = f"{value:.{digits}f}"
    return out.lstrip("-") if out.lstrip("-").strip("0.") == "" else out


def short_time(value: datetime, lang: str) -> str:
    """A time within a report's period, as a table prints it: "11/01 14:05"."""
    return f"{value:%m/%d %H:%M}"


def duration(minutes: float, lang: str) -> str:
    """90 -> "1h 30m" ("1시간 30분" in Korean)."""
    hours, rest = divmod(round(minutes), 60)
    h, m = ("시간", "분") if lang == "ko" else ("h", "m")
    if hours and rest:
        return f"{hours}{h} {rest}{m}"
    return f"{hours}{h}" if hours else f"{rest}{m}"


def pct(ratio: float | None, digits: int = 1) -> str:
    return num(ratio * 100 if ratio is not None else None, digits)


def cores(value: float | None) -> str:
    """CPU capacity: whole cores bare ("4"), a fraction with one decimal ("0.5"). `float()`
    first: a count may arrive as an int, and int.is_integer() only exists from Python 3.12."""
    if value is None:
        return "-"
    return num(value, 0 if float(value).is_integer() else 1)


def count(value: float | None) -> str:
    return "-" if value is None else f"{round(value):,}"


def figure_value(f: Figure) -> str:
    if f.value is None:
        return "-"
    if f.unit == "%":
        return f"{num(f.value, f.digits)}%"
    if f.unit == "ms":
        return f"{num(f.value, f.digits)} ms"
    return count(f.value)


def figure_change(f: Figure, lang: str) -> str:
    """`▲ 2.1%p`, `▼ 15%`, `0 → 3`; empty when there is nothing to compare."""
    if f.direction == "none":
        return t(lang, "change.none")
    if f.direction == "flat":
        return t(lang, "change.flat")
    arrow = "▲" if f.direction == "up" else "▼"
    assert f.value is not None
    assert f.previous is not None
    if f.unit == "%":
        points = abs(f.value - f.previous)
        return f"{arrow} {num(points, f.digits)}{'%p' if lang == 'ko' else ' pts'}"
    if f.previous == 0:
        return f"{arrow} {_plain(f.previous, f)} → {figure_value(f)}"
    return f"{arrow} {num(abs(f.change or 0) * 100, 0)}%"


def _plain(v: float, f: Figure) -> str:
    return count(v) if f.unit == "count" else num(v, 1)
