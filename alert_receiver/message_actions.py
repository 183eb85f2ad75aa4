"""The buttons of an incident's message and the lines saying who acted: pure, like message.py.

    firing          [🔕 Silence 1h] [Silence for… ▾ 4h/24h] [✋ Acknowledge] [🔄 Analyse again]
    silenced        [⏰ Expire silence] [✋ Acknowledge] [🔄 Analyse again]
    resolved        no buttons, unless a silence is still running: [⏰ Expire silence]

Each element's `value` starts with the incident's ID (`<incident>|<extra>`), so a press names
exactly the message it came from, however old; slack_buttons.py reads it back with
`parse_value`. The select menu sends its chosen option's value under its own action ID
(`silence_for`): an action ID must be unique within its block. Button labels stay under Slack's
75 characters and values under 2,000.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from alert_receiver.enrichment import Ack, SilenceState
from alert_receiver.model import Incident
from integrations.slack_common import escape_mrkdwn

SILENCE, SILENCE_FOR = "silence", "silence_for"
EXPIRE, ACKNOWLEDGE, ANALYSE_AGAIN = "expire_silence", "acknowledge", "analyse_again"
ACTION_IDS = (SILENCE, SILENCE_FOR, EXPIRE, ACKNOWLEDGE, ANALYSE_AGAIN)
DEFAULT_SILENCE = "1h"
SILENCE_CHOICES = {"1h": 3600, "4h": 4 * 3600, "24h": 24 * 3600}
BLOCK_ID = "incident_actions"


def button_value(incident_id: str, extra: str = "") -> str:
    return f"{incident_id}|{extra}" if extra else incident_id


def parse_value(value: str) -> tuple[str, str]:
    """`(incident_id, extra)` from an element's value; extra is "" when it carries none."""
    incident_id, _, extra = value.partition("|")
    return incident_id.strip(), extra.strip()


def _button(text: str, action_id: str, value: str, style: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        out["style"] = style
    return out


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value}


def status_lines(
    silence: SilenceState | None, ack: Ack | None, tz: ZoneInfo, now: datetime
) -> list[str]:
    """What people did, in mrkdwn: names came from Slack, but are escaped all the same."""
    lines = []
    if silence is not None:
        who = escape_mrkdwn(silence.by_name or silence.by_id)
        if silence.active(now):
            left = max(1, int((silence.ends_at - now).total_seconds() + 59) // 60)
            rest = f"{left // 60}h {left % 60:02d}m" if left >= 60 else f"{left}m"
            until = silence.ends_at.astimezone(tz)
            lines.append(f"🔕 *Silenced* by *{who}* until {until:%H:%M %Z} ({rest} left)")
        elif silence.expired_at is not None:
            by = escape_mrkdwn(silence.expired_by_name or "someone")
            at = silence.expired_at.astimezone(tz)
            lines.append(f"🔔 Silence by {who} expired by *{by}* at {at:%H:%M %Z}")
        else:
            lines.append(f"🔔 Silence by {who} ended at {silence.ends_at.astimezone(tz):%H:%M %Z}")
    if ack is not None:
        who = escape_mrkdwn(ack.by_name or ack.by_id)
        lines.append(f"✋ *Acknowledged* by *{who}* at {ack.at.astimezone(tz):%H:%M %Z}")
    return lines


def actions_block(
    incident: Incident, silence: SilenceState | None, ack: Ack | None, now: datetime
) -> dict[str, Any] | None:
    """The message's buttons, or None when there is nothing left to do (resolved, unsilenced)."""
    silenced = silence is not None and silence.active(now)
    elements: list[dict[str, Any]] = []
    if silenced and silence is not None:
        elements.append(
            _button("⏰ Expire silence", EXPIRE, button_value(incident.id, silence.id), "danger")
        )
    elif not incident.resolved:
        elements.append(
            _button(
                f"🔕 Silence {DEFAULT_SILENCE}",
                SILENCE,
                button_value(incident.id, DEFAULT_SILENCE),
            )
        )
        longer = [_option(k, button_value(incident.id, k)) for k in SILENCE_CHOICES if k != "1h"]
        elements.append(
            {
                "type": "static_select",
                "action_id": SILENCE_FOR,
                "placeholder": {"type": "plain_text", "text": "Silence for…", "emoji": True},
                "options": longer,
            }
        )
    if not incident.resolved:
        label = "✋ Take over" if ack is not None else "✋ Acknowledge"
        elements.append(_button(label, ACKNOWLEDGE, button_value(incident.id)))
        elements.append(_button("🔄 Analyse again", ANALYSE_AGAIN, button_value(incident.id)))
    if not elements:
        return None
    return {"type": "actions", "block_id": BLOCK_ID, "elements": elements}
