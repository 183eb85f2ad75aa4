"""Daily, weekly and monthly PDF reports from Prometheus, Kubernetes and Loki.

    data = collect(period_for("monthly", end, tz), clients)   # every figure, every source
    html = render_html(replace(data, narrative=...), "ko")    # jinja2, charts as SVG
    pdf = html_to_pdf(html)                                    # xhtml2pdf, Korean font embedded

`reporter.cli.main` wires them to the settings, writes the CSVs and delivers to Slack and SES.
"""

from reporter.collect import Clients, Options, collect
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
