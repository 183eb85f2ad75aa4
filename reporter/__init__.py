"""Daily, weekly and monthly PDF reports from Prometheus, Kubernetes and Loki.

    data = collect(period_for("monthly", end, tz), clients)   # every section, every source
    html = render_html(replace(data, narrative=...), "ko")    # jinja2, charts as SVG
    pdf = html_to_pdf(html)                                    # xhtml2pdf, Korean font embedded

The steps, one module each: clients.py (the outside systems), fetch.py (the sections from every
source), figures.py (the key figures), thresholds.py (what the alerts page on), format.py
(numbers as printed), render.py / tables.py / csvs.py / pdf.py (the files), narrative.py (the
analysis), dispatch.py (sending once). `reporter.cli.main` wires them to the settings.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from reporter.clients import Clients
from reporter.fetch import Options, fetch
from reporter.figures import key_figures
from reporter.model import ReportData
from reporter.pdf import html_to_pdf
from reporter.period import Period, period_for, previous
from reporter.render import render_html

__all__ = [
    "Clients",
    "Options",
    "Period",
    "ReportData",
    "collect",
    "html_to_pdf",
    "period_for",
    "previous",
    "render_html",
]


def collect(
    period: Period,
    clients: Clients,
    options: Options | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ReportData:
    """Every section of the report and its key figures: fetch(), then key_figures()."""
    fetched = fetch(period, clients, options, clock)
    return replace(fetched.data, figures=key_figures(fetched.data, fetched.previous))
