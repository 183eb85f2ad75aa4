"""Log lines grouped into messages, one way for the receiver's analysis and the report.

`message(line)`: a JSON log line's message field (`msg`, `message`, `error`, ...), else the
line. `normalise(text)`: the same error at other times, with other IDs, addresses and numbers,
reads the same (`GET /orders/<n> failed after <n> ms from <ip>`), so lines are counted by kind.
Redact between the two (a secret is easier to see before its digits are placeholders).
"""

from __future__ import annotations

import json
import re

MESSAGE_CHARS = 160
MESSAGE_KEYS = ("msg", "message", "error", "err", "log")
_PLACEHOLDERS = (
    (re.compile(r"^\S*\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*\s*"), ""),  # leading timestamp
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b", re.I), "<hex>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def message(line: str) -> str:
    text = line.strip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            return text
        if isinstance(record, dict):
            return next((str(record[k]) for k in MESSAGE_KEYS if record.get(k)), text)
    return text


def normalise(text: str) -> str:
    for pattern, repl in _PLACEHOLDERS:
        text = pattern.sub(repl, text)
    text = text.strip()
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."
