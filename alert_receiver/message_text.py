"""The pieces every Slack message of the receiver is built of, and Slack's limits on them:
plain text cut to size, links that cannot be forged, sections and context blocks that never pass
3,000 characters, times and durations as people read them. Pure; message.py puts them together.
"""

from __future__ import annotations

import re
import urllib.parse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from integrations.slack_common import escape_mrkdwn

MAX_BLOCKS = 50  # blocks in a message (or in one attachment)
MAX_SECTION = 3000  # characters of a section's (or context element's) text
MAX_HEADER = 150  # characters of a header's plain text


def plain(text: object, limit: int = MAX_HEADER) -> str:
    """For plain_text fields (headers): no markup is parsed there, so only cut it to size."""
    return cut(str(text).replace("\n", " "), limit)


def link(url: str, label: str) -> str:
    """`<url|label>` for http(s) URLs only; anything else is shown as text, not linked."""
    if not re.match(r"^https?://", url or ""):
        return escape_mrkdwn(label)
    safe = urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")
    safe = safe.replace("&", "&amp;").replace("|", "%7C")
    return f"<{safe}|{escape_mrkdwn(label)}>"


def cut(text: str, limit: int, suffix: str = "…") -> str:
    return text if len(text) <= limit else text[: limit - len(suffix)] + suffix


def when(t: datetime, tz: ZoneInfo) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m and not d else ""]
    return "".join(parts) or f"{s}s"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, MAX_SECTION)}]}
