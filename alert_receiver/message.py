"""The Slack message of an incident in Block Kit: pure functions of the incident and enrichment.

One message per Alertmanager group: a coloured attachment (the colour bar is the severity) holding
a header, the state and start time in the display time zone, summary and description, key labels,
the alerts listed, links (runbook, dashboard, Prometheus graph, silence, Kiali), the log excerpt
and the analysis. Everything that came from outside (labels, annotations, log lines, model
output) goes through `escape_mrkdwn()` (integrations/slack_common.py, shared with the reporter),
so `<!channel>` in a log line prints as text and a label cannot forge a link. Slack's limits are
enforced here (with the pieces of message_text.py), not hoped for: at most 50 blocks, 3,000
characters a section, 150 a header; long alert lists end with "… and N more".
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from alert_receiver.enrichment import Ack, Analysis, LogContext, SilenceState
from alert_receiver.message_actions import actions_block, status_lines
from alert_receiver.message_text import (
    MAX_BLOCKS,
    MAX_SECTION,
    context,
    cut,
    duration,
    link,
    plain,
    section,
    when,
)
from alert_receiver.model import Incident
from alert_receiver.payload import SEVERITY_ORDER, Alert
from integrations.alertmanager import silence_url
from integrations.slack_common import escape_mrkdwn

MAX_LISTED = 25
SEVERITY = {
    "critical": ("🔴", "#E01E5A"),
    "error": ("🔴", "#E01E5A"),
    "warning": ("🟠", "#ECB22E"),
    "info": ("🔵", "#36C5F0"),
    "none": ("⚪", "#9E9EA6"),
}
RESOLVED = ("✅", "#2EB67D")
KEY_LABELS = (
    "namespace",
    "pod",
    "container",
    "node",
    "instance",
    "service",
    "destination_service_name",
    "target",
    "kind",
    "job",
)


@dataclass(frozen=True)
class Links:
    grafana_url: str = ""
    kiali_url: str = ""
    alertmanager_url: str = ""  # used when the payload has no externalURL


def worst(alerts: list[Alert]) -> str:
    sev = [a.severity for a in alerts] or ["none"]
    return min(sev, key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 99)


def title(incident: Incident) -> str:
    alerts = list(incident.alerts.values())
    names = sorted({a.name for a in alerts})
    name = incident.group_labels.get("alertname") or (names[0] if len(names) == 1 else "")
    if not name:
        name = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
    if incident.resolved:
        return f"{RESOLVED[0]} RESOLVED: {name}"
    firing = incident.firing
    emoji = SEVERITY.get(worst(firing), SEVERITY["none"])[0]
    return f"{emoji} FIRING {len(firing)}: {name}"


def fallback_text(incident: Incident, mention: str = "") -> str:
    """The notification text (phone lock screens, screen readers); escaped like the rest."""
    sev = "" if incident.resolved else f" [{worst(incident.firing)}]"
    text = escape_mrkdwn(title(incident) + sev)
    common = incident.common_annotations.get("summary")
    if common:
        text += " " + escape_mrkdwn(cut(common, 200))
    if mention and not incident.resolved and worst(incident.firing) == "critical":
        text = f"{mention} {text}"  # a trusted setting (SLACK_CRITICAL_MENTION), not escaped
    return text


def _links(alert: Alert, incident: Incident, links: Links) -> list[str]:
    notes = alert.annotations
    out = []
    if notes.get("runbook_url"):
        out.append(link(notes["runbook_url"], "📖 Runbook"))
    dashboard = notes.get("dashboard_url") or (
        f"{links.grafana_url}/dashboards?query={urllib.parse.quote(alert.name)}"
        if links.grafana_url
        else ""
    )
    if dashboard:
        out.append(link(dashboard, "📊 Dashboard"))
    if alert.generator_url:
        out.append(link(alert.generator_url, "📈 Prometheus"))
    am = incident.external_url or links.alertmanager_url
    if am:
        keys = [k for k in ("alertname", *KEY_LABELS) if k in alert.labels]
        out.append(link(silence_url(am, alert.labels, keys), "🔕 Silence"))
    ns = alert.labels.get("namespace")
    if links.kiali_url and ns:
        svc = alert.labels.get("service") or alert.labels.get("destination_service_name")
        path = (
            f"/console/namespaces/{urllib.parse.quote(ns)}/services/{urllib.parse.quote(svc)}"
            if svc
            else f"/console/graph/namespaces/?namespaces={urllib.parse.quote(ns)}"
        )
        out.append(link(links.kiali_url + path, "🕸 Kiali"))
    return out


def _alert_line(a: Alert, common: Mapping[str, str], tz: ZoneInfo, now: datetime) -> str:
    emoji = RESOLVED[0] if not a.firing else SEVERITY.get(a.severity, SEVERITY["none"])[0]
    own = [
        f"`{escape_mrkdwn(k)}={escape_mrkdwn(cut(a.labels[k], 80))}`"
        for k in KEY_LABELS
        if k in a.labels and common.get(k) != a.labels[k]
    ]
    text = f"{emoji} *{escape_mrkdwn(a.name)}* " + " ".join(own)
    summary = a.annotations.get("summary")
    if summary:
        text += f" — {escape_mrkdwn(cut(summary, 200))}"
    if a.firing:
        age = duration((now - a.starts_at).total_seconds())
        text += f" _(since {a.starts_at.astimezone(tz):%H:%M}, {age})_"
    elif a.ends_at:
        lasted = duration((a.ends_at - a.starts_at).total_seconds())
        text += f" _(resolved {a.ends_at.astimezone(tz):%H:%M}, lasted {lasted})_"
    return text


def _log_block(logs: LogContext | None, tz: ZoneInfo, pending: bool) -> str:
    if logs is None:
        return "*Logs* _(asking Loki…)_" if pending else ""
    if logs.status == "disabled":
        return ""
    if not logs.lines:
        return f"*Logs:* {escape_mrkdwn(logs.reason or logs.status)}"
    head = "*Logs* (Loki, error lines first"
    if logs.window:
        start, end = (w.astimezone(tz) for w in logs.window)
        head += f", {start:%H:%M} to {end:%H:%M %Z}"
    head += ")"
    if logs.reason:
        head += f" _{escape_mrkdwn(logs.reason)}_"
    body = []
    for x in logs.lines:
        t = x.time.astimezone(tz)
        mark = "!" if x.error else " "
        body.append(f"{mark} {t:%H:%M:%S} {x.source} {x.line}".replace("```", "'''"))
    text = escape_mrkdwn("\n".join(body))
    room = MAX_SECTION - len(head) - 10
    return f"{head}\n```{cut(text, room, suffix=' …')}```"


def _analysis_block(analysis: Analysis | None, pending: bool) -> str:
    if analysis is None:
        return "*Analysis* _(in progress…)_" if pending else ""
    text = analysis.text
    # Models write **bold**; Slack's mrkdwn wants *bold*. Headings become bold lines.
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", escape_mrkdwn(text))
    text = re.sub(r"^#+\s*(.+)$", r"*\1*", text, flags=re.MULTILINE)
    if analysis.ai:
        head = f"*🤖 AI analysis* _(Bedrock, {escape_mrkdwn(analysis.model or '')})_"
    else:
        head = "*📋 Summary* _(rule-based, not AI)_"
    if pending:  # alerts joined, or "Analyse again": the one shown is being replaced
        head += "  ⏳ _analysing again…_"
    return f"{head}\n{text}"


def render_blocks(
    incident: Incident,
    analysis: Analysis | None,
    *,
    logs: LogContext | None = None,
    links: Links = Links(),
    tz: ZoneInfo | None = None,
    now: datetime | None = None,
    pending_logs: bool = False,
    pending_analysis: bool = False,
    silence: SilenceState | None = None,
    ack: Ack | None = None,
    buttons: bool = False,
) -> list[dict[str, Any]]:
    """The blocks of the incident's message; within Slack's limits for any input. Who silenced
    or took it shows under the status; `buttons` (when Slack can send presses back) adds the
    actions block (message_actions.py) above the footer."""
    tz = tz or ZoneInfo("Asia/Seoul")
    now = now or datetime.now(UTC)
    alerts = list(incident.alerts.values())
    firing = incident.firing
    lead = firing[0] if firing else alerts[0]
    common = incident.common_labels
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": plain(title(incident)), "emoji": True},
        }
    ]
    started = min(a.starts_at for a in alerts)
    if incident.resolved:
        ended = max(a.ends_at or now for a in alerts)
        state = f"*Status:* resolved after {duration((ended - started).total_seconds())}"
    else:
        state = (
            f"*Status:* firing ({len(firing)} of {len(alerts)})"
            f"  •  *Severity:* {escape_mrkdwn(worst(firing))}"
        )
    blocks.append(section(f"{state}\n*Started:* {when(started, tz)}"))
    acted = status_lines(silence, ack, tz, now)
    if acted:
        blocks.append(section("\n".join(acted)))
    notes = incident.common_annotations or lead.annotations
    summary, description = notes.get("summary"), notes.get("description")
    if summary or description:
        text = f"*{escape_mrkdwn(cut(summary, 300))}*" if summary else ""
        if description:
            text += ("\n" if text else "") + escape_mrkdwn(description)
        blocks.append(section(text))
    fields = [
        {"type": "mrkdwn", "text": f"*{escape_mrkdwn(k)}*\n{escape_mrkdwn(cut(common[k], 200))}"}
        for k in KEY_LABELS
        if k in common
    ][:10]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if len(alerts) > 1 or incident.truncated_alerts:
        ordered = sorted(alerts, key=lambda a: (not a.firing, a.starts_at))
        shown = ordered[:MAX_LISTED]
        chunk: list[str] = []
        size = 0
        for a in shown:
            line = cut(_alert_line(a, common, tz, now), 600)
            if size + len(line) + 1 > MAX_SECTION - 100 and chunk:
                blocks.append(section("\n".join(chunk)))
                chunk, size = [], 0
            chunk.append(line)
            size += len(line) + 1
        hidden = len(alerts) - len(shown) + incident.truncated_alerts
        if hidden:
            chunk.append(f"_… and {hidden} more alert{'s' if hidden != 1 else ''} in this group_")
        if chunk:
            blocks.append(section("\n".join(chunk)))
    link_row = _links(lead, incident, links)
    if link_row:
        blocks.append(context("  •  ".join(link_row)))
    for text in (_log_block(logs, tz, pending_logs), _analysis_block(analysis, pending_analysis)):
        if text:
            blocks.append(section(text))
    tail = [actions_block(incident, silence, ack, now)] if buttons else []
    tail.append(
        context(
            f"Alertmanager group `{escape_mrkdwn(incident.group_id)}`"
            f" · receiver {escape_mrkdwn(incident.receiver)}"
            f" · updated {now.astimezone(tz):%H:%M:%S %Z}"
        )
    )
    return _fit(blocks, [b for b in tail if b is not None])


def _fit(blocks: list[dict[str, Any]], tail: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the first blocks and the `tail` (buttons, footer) within MAX_BLOCKS."""
    if len(blocks) + len(tail) <= MAX_BLOCKS:
        return blocks + tail
    kept = blocks[: MAX_BLOCKS - 1 - len(tail)]
    dropped = len(blocks) - len(kept)
    return [
        *kept,
        context(f"_{dropped} more blocks left out (Slack's limit is {MAX_BLOCKS})_"),
        *tail,
    ]


def render_message(
    incident: Incident,
    analysis: Analysis | None,
    *,
    mention: str = "",
    **kwargs: Any,
) -> dict[str, Any]:
    """`chat.postMessage` / `chat.update` arguments: text + one coloured attachment of blocks."""
    blocks = render_blocks(incident, analysis, **kwargs)
    colour = (
        RESOLVED[1]
        if incident.resolved
        else SEVERITY.get(worst(incident.firing), SEVERITY["none"])[1]
    )
    text = fallback_text(incident, mention)
    return {"text": text, "attachments": [{"color": colour, "blocks": blocks, "fallback": text}]}


def render_reply(resolved: list[Alert], joined: list[Alert], tz: ZoneInfo) -> str:
    """The thread reply when alerts resolve or join an open incident."""
    lines = []
    for a in resolved[:20]:
        lasted = duration(((a.ends_at or a.starts_at) - a.starts_at).total_seconds())
        where = " ".join(
            f"`{escape_mrkdwn(k)}={escape_mrkdwn(cut(a.labels[k], 60))}`"
            for k in KEY_LABELS
            if k in a.labels
        )
        lines.append(f"{RESOLVED[0]} Resolved: *{escape_mrkdwn(a.name)}* {where} (lasted {lasted})")
    for a in joined[:20]:
        emoji = SEVERITY.get(a.severity, SEVERITY["none"])[0]
        where = " ".join(
            f"`{escape_mrkdwn(k)}={escape_mrkdwn(cut(a.labels[k], 60))}`"
            for k in KEY_LABELS
            if k in a.labels
        )
        since = a.starts_at.astimezone(tz)
        lines.append(f"{emoji} Firing: *{escape_mrkdwn(a.name)}* {where} since {since:%H:%M %Z}")
    more = max(0, len(resolved) - 20) + max(0, len(joined) - 20)
    if more:
        lines.append(f"… and {more} more")
    return cut("\n".join(lines), 3900)


def render_followup(
    incident: Incident, analysis: Analysis, logs: LogContext | None, tz: ZoneInfo
) -> dict[str, Any]:
    """For an incoming webhook, which cannot update: the analysis as a message of its own."""
    blocks = [section(f"Analysis for *{escape_mrkdwn(title(incident))}*")]
    log_text = _log_block(logs, tz, pending=False)
    if log_text:
        blocks.append(section(log_text))
    blocks.append(section(_analysis_block(analysis, pending=False)))
    text = f"Analysis: {escape_mrkdwn(title(incident))}"
    return {"text": text, "attachments": [{"color": "#9E9EA6", "blocks": blocks, "fallback": text}]}


def render_analysis_message(
    analysis: Analysis,
    summary: str,
    tz: ZoneInfo,
    requested: datetime,
    *,
    namespace: str | None = None,
    requested_by: str | None = None,
) -> dict[str, Any]:
    """An on-demand analysis of the cluster state (ondemand.py), when it is posted to Slack:
    of one namespace (`/bravo analyze shop`) or the whole cluster."""
    title = (
        f"Cluster state analysis: namespace {namespace}" if namespace else "Cluster state analysis"
    )
    when = f"requested at {requested.astimezone(tz):%Y-%m-%d %H:%M %Z}"
    if requested_by:  # a Slack user ID, from Slack: a mention, escaped like any outside text
        when = f"requested by <@{escape_mrkdwn(requested_by)}> at " + when.removeprefix(
            "requested at "
        )
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"🔎 {title}"[:150]}},
        section(escape_mrkdwn(summary)),
        section(_analysis_block(analysis, pending=False)),
        context(when),
    ]
    return {
        "text": title,
        "attachments": [{"color": "#36C5F0", "blocks": blocks}],
    }
