"""`render_html(data, lang) -> str`: the report as one HTML document (jinja2, autoescaped).

The HTML is written for xhtml2pdf (page templates, a footer frame with page numbers, the Korean
font declared with `@font-face`) and reads fine in a browser too. Long tables are cut into
blocks of `ROWS_PER_BLOCK` rows, each with its header: xhtml2pdf's time grows roughly with the
square of a table's length, and a PDF table is capped at `MAX_PDF_ROWS` rows (the CSV files
hold every row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from reporter import charts
from reporter.format import figure_change, figure_value
from reporter.i18n import MESSAGES, format_datetime, format_period, t
from reporter.model import NOT_CONFIGURED, SECTION_SOURCE, ReportData
from reporter.tables import Table, build_tables

TEMPLATES = Path(__file__).with_name("templates")
FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
ROWS_PER_BLOCK = 25
MAX_PDF_ROWS = 50
USAGE_COLORS = {
    "cpu_avg": charts.PALETTE[0],
    "cpu_max": charts.PALETTE[1],
    "memory_avg": charts.PALETTE[2],
    "memory_max": charts.PALETTE[3],
}
STAGE_COLORS = {"haproxy": charts.PALETTE[6], "istio": charts.PALETTE[4], "application": "#dc2626"}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def blocks(table: Table) -> list[Sequence]:
    rows = table.rows[:MAX_PDF_ROWS]
    return [rows[i : i + ROWS_PER_BLOCK] for i in range(0, len(rows), ROWS_PER_BLOCK)] or [()]


def _charts(data: ReportData, lang: str) -> dict[str, dict]:
    p, tz = data.period, data.period.start.tzinfo
    assert tz is not None
    out: dict[str, dict] = {}
    gap = p.step * 2.5
    if data.usage_series:
        lines = [
            charts.Line(
                [(t_, v * 100) for t_, v in s.points],
                USAGE_COLORS[s.name],
                width=1.8 if s.name.endswith("avg") else 1.0,
                dashed=s.name.endswith("max"),
            )
            for s in data.usage_series
        ]
        cpu = data.thresholds.get("cpu")
        svg = charts.line_chart(
            lines,
            p.start,
            p.end,
            tz,
            y_max=100,
            thresholds=[(cpu.warning, charts.WARNING)] if cpu else [],
            max_gap=gap,
        )
        legend = [(USAGE_COLORS[s.name], t(lang, f"legend.{s.name}")) for s in data.usage_series]
        if cpu:
            legend.append((charts.WARNING, t(lang, "legend.warning") + f" (CPU {cpu.warning:g}%)"))
        out["usage"] = {"uri": charts.data_uri(svg), "legend": legend}
    if any(s.points for s in data.error_series):
        lines = [
            charts.Line(
                [(t_, v * 60) for t_, v in s.points], STAGE_COLORS.get(s.name, charts.PALETTE[7])
            )
            for s in data.error_series
        ]
        svg = charts.line_chart(lines, p.start, p.end, tz, max_gap=gap, height=140)
        legend = [
            (STAGE_COLORS.get(s.name, charts.PALETTE[7]), _stage(lang, s.name))
            for s in data.error_series
        ]
        out["errors"] = {"uri": charts.data_uri(svg), "legend": legend}
    if data.logs is not None and data.logs.series.points:
        svg = charts.column_chart(data.logs.series.points, p.start, p.end, tz, p.step)
        out["logs"] = {"uri": charts.data_uri(svg), "legend": []}
    if data.top_pods_cpu:
        items = [(f"{x.namespace}/{x.pod}", x.cpu_avg or 0.0) for x in data.top_pods_cpu]
        out["top_pods"] = {"uri": charts.data_uri(charts.bar_chart(items)), "legend": []}
    return out


def _stage(lang: str, stage: str) -> str:
    key = f"stage.{stage}"
    return t(lang, key) if key in MESSAGES[lang] else stage


def render_html(data: ReportData, lang: str) -> str:
    """The whole report as HTML; fonts are referenced by absolute path (see `reporter.pdf`)."""
    if lang not in MESSAGES:
        raise ValueError(f"unknown language {lang!r}")
    tz = data.period.start.tzinfo or ZoneInfo("UTC")
    title = t(lang, f"title.{data.period.kind}")
    period_text = format_period(lang, data.period)
    # defaultdict: the template asks for every table and chart; absent ones are None.
    tables: defaultdict[str, Table | None] = defaultdict(
        lambda: None, {tb.key: tb for tb in build_tables(data, lang)}
    )
    to_date = ""
    if not data.period.complete:
        to_date = t(lang, "cover.to_date", end=format_datetime(lang, data.period.end))
    charts_or_none: defaultdict[str, dict | None] = defaultdict(lambda: None, _charts(data, lang))
    failed = [t(lang, f"source.{s}") for s in data.failed_sources]
    context = {
        "lang": lang,
        "t": lambda key, **kw: t(lang, key, **kw),
        "data": data,
        "title": title,
        "period_text": period_text,
        "to_date": to_date,
        "generated": format_datetime(lang, data.generated_at.astimezone(tz)),
        "timezone": str(tz),
        "tables": tables,
        "blocks": blocks,
        "max_rows": MAX_PDF_ROWS,
        "charts": charts_or_none,
        "figures": [
            {
                "name": t(lang, f"figure.{f.key}"),
                "value": figure_value(f),
                "change": figure_change(f, lang),
                "trend": "" if f.better is None else ("good" if f.better else "bad"),
                "level": f.level,
            }
            for f in data.figures
        ],
        "compare": t(lang, f"change.{data.period.kind}"),
        "missing_sources": ", ".join(failed),
        "narrative": _paragraphs(data.narrative.text) if data.narrative else [],
        "font_dir": FONT_DIR.as_posix(),
        "section_missing": lambda section: _missing(data, lang, section),
        "previous_text": format_period(lang, data.previous),
        "step_minutes": int(data.period.step / timedelta(minutes=1)),
    }
    return _env.get_template("report.html").render(context)


def _missing(data: ReportData, lang: str, section: str) -> str:
    reason = data.missing.get(section)
    if reason is None:
        return ""
    source = t(lang, f"source.{SECTION_SOURCE[section]}")
    if reason == NOT_CONFIGURED:
        return t(lang, "missing.not_configured", source=source)
    return t(lang, "missing", source=source, reason=reason)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
