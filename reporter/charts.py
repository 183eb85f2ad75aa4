"""Charts as small SVG documents: vector graphics without JavaScript or a browser.

xhtml2pdf draws an `<img src="data:image/svg+xml;base64,...">` as vectors (through svglib and
reportlab), and Chromium shows the same image, so the benchmark prints identical HTML with both.
(Inline `<svg>` is not drawn by xhtml2pdf, only its text.) Text inside a chart is ASCII only
(axis numbers, dates as MM/DD, pod names): titles and legends, which may be Korean, are HTML
around the image, in the embedded Korean font.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from xml.sax.saxutils import escape

PALETTE = ("#2563eb", "#93c5fd", "#059669", "#6ee7b7", "#d97706", "#dc2626", "#7c3aed", "#64748b")
WARNING = "#d97706"
CRITICAL = "#dc2626"
GRID = "#e5e7eb"
AXIS = "#6b7280"
FONT = 'font-family="Helvetica" font-size="9"'


@dataclass(frozen=True)
class Line:
    points: Sequence[tuple[datetime, float]]
    color: str
    width: float = 1.6
    dashed: bool = False


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def nice_max(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten at or above `value` (> 0)."""
    if value <= 0 or math.isnan(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * power * 1.0000001:
            return m * power
    return 10 * power


def _fmt(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}" if v >= 1 or v == 0 else f"{v:.2g}"


def _svg(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">' + "".join(body) + "</svg>"
    )


def _x_ticks(start: datetime, end: datetime, tz: tzinfo) -> list[tuple[datetime, str]]:
    """Local midnights (every day, or every few days for a month), or hours within a day."""
    span = end - start
    ticks = []
    if span <= timedelta(days=1, hours=1):
        t = start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
        while t <= end:
            if t >= start and t.hour % 3 == 0:
                ticks.append((t, f"{t:%H}:00"))
            t += timedelta(hours=1)
        return ticks
    every = 1 if span <= timedelta(days=8) else 5
    t = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    while t <= end:
        if t >= start and (every == 1 or ((t.day - 1) % every == 0 and t.day < 30)):
            ticks.append((t, f"{t:%m/%d}"))
        t = (t + timedelta(days=1, hours=2)).replace(hour=0)
    return ticks


def _y_grid(top_value: float, left: float, right: float, top: float, ph: float) -> list[str]:
    """Five horizontal grid lines from 0 to `top_value`, labelled on the left."""
    out = []
    for i in range(5):
        yy = top + ph * (1 - i / 4)
        out.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{right}" y2="{yy:.1f}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{yy + 3:.1f}" text-anchor="end" {FONT} '
            f'fill="{AXIS}">{_fmt(top_value * i / 4)}</text>'
        )
    return out


def line_chart(
    lines: Sequence[Line],
    start: datetime,
    end: datetime,
    tz: tzinfo,
    *,
    y_max: float | None = None,
    thresholds: Sequence[tuple[float, str]] = (),
    width: int = 520,
    height: int = 170,
    max_gap: timedelta | None = None,
) -> str:
    """Time series on a shared y axis from 0; `thresholds` are dashed horizontal lines."""
    left, right, top, bottom = 36, 8, 8, 18
    pw, ph = width - left - right, height - top - bottom
    highest = max((v for ln in lines for _, v in ln.points), default=0.0)
    top_value = y_max if y_max is not None else nice_max(max(highest, 1e-9) * 1.1)
    span = (end - start).total_seconds() or 1.0

    def x(t: datetime) -> float:
        return left + pw * (t - start).total_seconds() / span

    def y(v: float) -> float:
        return top + ph * (1 - min(max(v / top_value, 0.0), 1.0))

    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    body += _y_grid(top_value, left, width - right, top, ph)
    for t, label in _x_ticks(start, end, tz):
        xx = x(t)
        body.append(
            f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + ph}" '
            f'stroke="{GRID}" stroke-width="0.4"/>'
        )
        body.append(
            f'<text x="{xx:.1f}" y="{height - 5}" text-anchor="middle" {FONT} '
            f'fill="{AXIS}">{escape(label)}</text>'
        )
    for value, color in thresholds:
        if 0 < value <= top_value:
            yy = y(value)
            body.append(
                f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" '
                f'stroke="{color}" stroke-width="0.8" stroke-dasharray="4,3"/>'
            )
    for ln in lines:
        for run in _runs(ln.points, max_gap):
            pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
            dash = ' stroke-dasharray="3,2"' if ln.dashed else ""
            body.append(
                f'<polyline points="{pts}" fill="none" stroke="{ln.color}" '
                f'stroke-width="{ln.width}" stroke-linejoin="round"{dash}/>'
            )
    body.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" '
        f'stroke="{AXIS}" stroke-width="0.8"/>'
    )
    return _svg(width, height, body)


def _runs(
    points: Sequence[tuple[datetime, float]], max_gap: timedelta | None
) -> list[list[tuple[datetime, float]]]:
    """Split at gaps longer than `max_gap`, so missing data shows as a gap, not a slope."""
    runs: list[list[tuple[datetime, float]]] = []
    for p in points:
        if runs and (max_gap is None or p[0] - runs[-1][-1][0] <= max_gap):
            runs[-1].append(p)
        else:
            runs.append([p])
    return [r if len(r) > 1 else r * 2 for r in runs]


def column_chart(
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    tz: tzinfo,
    step: timedelta,
    *,
    color: str = PALETTE[5],
    width: int = 520,
    height: int = 130,
) -> str:
    """One column per step (counts per interval)."""
    left, right, top, bottom = 36, 8, 8, 18
    pw, ph = width - left - right, height - top - bottom
    top_value = nice_max(max((v for _, v in points), default=0.0) * 1.1 or 1.0)
    span = (end - start).total_seconds() or 1.0
    bar = max(pw * step.total_seconds() / span - 0.6, 0.6)
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    body += _y_grid(top_value, left, width - right, top, ph)
    for t, label in _x_ticks(start, end, tz):
        xx = left + pw * (t - start).total_seconds() / span
        body.append(
            f'<text x="{xx:.1f}" y="{height - 5}" text-anchor="middle" {FONT} '
            f'fill="{AXIS}">{escape(label)}</text>'
        )
    for t, v in points:
        if v <= 0:
            continue
        # A point at t counts (t - step, t]: its column ends at t.
        x0 = left + pw * ((t - step) - start).total_seconds() / span
        h = ph * min(v / top_value, 1.0)
        body.append(
            f'<rect x="{x0 + 0.3:.1f}" y="{top + ph - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{color}"/>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" '
        f'stroke="{AXIS}" stroke-width="0.8"/>'
    )
    return _svg(width, height, body)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    color: str = PALETTE[0],
    width: int = 520,
    row: int = 15,
    label_width: int = 190,
    digits: int = 3,
) -> str:
    """Horizontal bars, largest first, the value printed after each bar."""
    height = max(row * len(items) + 8, 20)
    top_value = nice_max(max((v for _, v in items), default=0.0) or 1.0)
    pw = width - label_width - 50
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    for i, (label, value) in enumerate(items):
        y0 = 4 + i * row
        short = label if len(label) <= 38 else label[:35] + "..."
        w = pw * max(value, 0.0) / top_value
        body.append(
            f'<text x="{label_width - 6}" y="{y0 + row - 5}" text-anchor="end" {FONT} '
            f'fill="#111827">{escape(short)}</text>'
        )
        body.append(
            f'<rect x="{label_width}" y="{y0 + 2}" width="{max(w, 0.5):.1f}" '
            f'height="{row - 5}" fill="{color}"/>'
        )
        body.append(
            f'<text x="{label_width + w + 4:.1f}" y="{y0 + row - 5}" {FONT} '
            f'fill="{AXIS}">{value:.{digits}f}</text>'
        )
    return _svg(width, height, body)
