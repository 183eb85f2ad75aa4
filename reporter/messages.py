"""The short texts that go with the PDF: the Slack comment and the e-mail's subject and body.

Both carry the key figures with their change, in the report language, and say when data was
missing. Text that did not come from us (cluster label, failure reasons) is escaped for Slack's
mrkdwn (`&`, `<`, `>`), so nothing in it can ping a channel.
"""

from __future__ import annotations

from integrations.slack_common import escape_mrkdwn
from reporter.format import figure_change, figure_value
from reporter.i18n import format_period, t
from reporter.model import ReportData

SLACK_MAX = 2900  # a message's text is cut by Slack at 3,000 characters in places
SUMMARY_FIGURES = (
    "cpu_avg",
    "memory_avg",
    "disk_peak",
    "error_ratio",
    "latency",
    "availability",
    "alerts_fired",
    "restarts",
)


def stem(data: ReportData, lang: str) -> str:
    """File name stem: `report-monthly-2025-10-ko`."""
    return f"report-{data.period.kind}-{data.period.label}-{lang}"


def report_id(data: ReportData) -> str:
    """The delivery record's key: one report per kind and period, whatever the language."""
    return f"{data.period.kind}.{data.period.label}"


def summary_lines(data: ReportData, lang: str) -> list[str]:
    lines = []
    for key in SUMMARY_FIGURES:
        f = data.figure(key)
        if f is None or f.value is None:
            continue
        lines.append(f"• {t(lang, f'figure.{key}')}: {figure_value(f)} ({figure_change(f, lang)})")
    if data.failed_sources:
        names = ", ".join(t(lang, f"source.{s}") for s in data.failed_sources)
        lines.append(t(lang, "email.body_missing", sources=names))
    return lines


def slack_comment(data: ReportData, lang: str) -> str:
    text = t(
        lang,
        "slack.comment",
        title=t(lang, f"title.{data.period.kind}"),
        period=format_period(lang, data.period),
        cluster=escape_mrkdwn(data.cluster),
        summary=escape_mrkdwn("\n".join(summary_lines(data, lang))),
    )
    return text if len(text) <= SLACK_MAX else text[: SLACK_MAX - 3] + "..."


def email_subject(data: ReportData, lang: str) -> str:
    return t(
        lang,
        "email.subject",
        cluster=data.cluster,
        title=t(lang, f"title.{data.period.kind}"),
        period=format_period(lang, data.period),
    )


def email_body(data: ReportData, lang: str) -> str:
    title = t(lang, f"title.{data.period.kind}")
    return t(
        lang,
        "email.body",
        title=title,
        title_lower=title[:1].lower() + title[1:],
        period=format_period(lang, data.period),
        cluster=data.cluster,
        summary="\n".join(summary_lines(data, lang)),
    )
