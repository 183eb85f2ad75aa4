"""What an incident is enriched with: the log context (Loki) and the analysis (Bedrock or rules),
and what people did to it from Slack (a silence, an acknowledgement: slack_buttons.py).

Both are stored per incident and revision (store/base.py) as JSON, and the analysis is also
cached by the identity of the analysed alerts. The JSON shape is the one these enrichments had
when they were plain dicts, so what a store already holds loads after an upgrade, and a store
written by this version still reads as before:

    logs      {"status", "reason", "lines": [{"time", "source", "line", "error"}], "window"}
    analysis  {"kind": "ai" | "rules", "text", "model", "note", "seconds"}
    silence   {"id", "by_id", "by_name", "starts_at", "ends_at", "expired_by_name", "expired_at"}
    ack       {"by_id", "by_name", "at"}

Logs and analysis are stored under the incident's revision; a silence and an acknowledgement
under the time of the action in milliseconds, so the latest action wins whatever its revision.

`from_dict` fills what an older body lacks with the defaults below and ignores keys it does not
know, so a newer version's additions do not stop an older one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alert_receiver.payload import iso

# LogContext.status: why the lines are what they are.
#   ok           lines found (some queries may have failed: `reason` says how many)
#   empty        Loki answered, nothing in the window
#   timeout      Loki did not answer within LOKI_TIMEOUT
#   unavailable  Loki failed
#   none         the alerts name no pod, container or service to look logs up by
#   disabled     LOKI_URL is not set
LOG_STATUSES = ("ok", "empty", "timeout", "unavailable", "none", "disabled")


@dataclass(frozen=True)
class LogLine:
    time: datetime
    source: str  # namespace/pod/container, or the matchers the stream was found by
    line: str  # redacted, cut to logs.MAX_LINE_CHARS
    error: bool  # matched the rules config's error filter

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": iso(self.time),
            "source": self.source,
            "line": self.line,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LogLine:
        return cls(
            time=datetime.fromisoformat(d["time"]),
            source=str(d.get("source", "")),
            line=str(d.get("line", "")),
            error=bool(d.get("error", False)),
        )


@dataclass(frozen=True)
class LogContext:
    """The log lines around an incident's alerts, error lines first, and why there are no more."""

    status: str  # one of LOG_STATUSES
    reason: str = ""
    lines: tuple[LogLine, ...] = ()
    window: tuple[datetime, datetime] | None = None  # the queried range; None when not queried

    @property
    def error_lines(self) -> list[LogLine]:
        return [x for x in self.lines if x.error]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "reason": self.reason,
            "lines": [x.to_dict() for x in self.lines],
        }
        if self.window is not None:
            out["window"] = [iso(self.window[0]), iso(self.window[1])]
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LogContext:
        window = d.get("window")
        return cls(
            status=str(d.get("status") or "ok"),
            reason=str(d.get("reason") or ""),
            lines=tuple(LogLine.from_dict(x) for x in d.get("lines") or ()),
            window=(datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1]))
            if window
            else None,
        )


@dataclass(frozen=True)
class Analysis:
    """What the analyst wrote: the model's answer, or a rule-based summary saying it is not AI."""

    kind: str  # "ai" or "rules"
    text: str
    model: str | None = None  # the model or agent that answered; None for rules
    note: str = ""  # why it is rule-based: not configured, failed, resolved before analysis
    seconds: float = 0.0  # how long it took, metrics and model included

    @property
    def ai(self) -> bool:
        return self.kind == "ai"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "model": self.model,
            "note": self.note,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Analysis:
        model = d.get("model")
        return cls(
            kind=str(d.get("kind") or "rules"),
            text=str(d.get("text") or ""),
            model=str(model) if model else None,
            note=str(d.get("note") or ""),
            seconds=float(d.get("seconds") or 0.0),
        )


@dataclass(frozen=True)
class SilenceState:
    """The Alertmanager silence made from the message's Silence button, as last seen."""

    id: str
    by_id: str
    by_name: str
    starts_at: datetime
    ends_at: datetime
    expired_by_name: str = ""  # set when someone pressed Expire silence
    expired_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expired_at is None and self.ends_at > now

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "by_id": self.by_id,
            "by_name": self.by_name,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "expired_by_name": self.expired_by_name,
            "expired_at": iso(self.expired_at) if self.expired_at else None,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SilenceState:
        expired = d.get("expired_at")
        return cls(
            id=str(d["id"]),
            by_id=str(d.get("by_id") or ""),
            by_name=str(d.get("by_name") or ""),
            starts_at=datetime.fromisoformat(d["starts_at"]),
            ends_at=datetime.fromisoformat(d["ends_at"]),
            expired_by_name=str(d.get("expired_by_name") or ""),
            expired_at=datetime.fromisoformat(expired) if expired else None,
        )


@dataclass(frozen=True)
class Ack:
    """Who took the incident, from the message's Acknowledge button."""

    by_id: str
    by_name: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"by_id": self.by_id, "by_name": self.by_name, "at": iso(self.at)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Ack:
        return cls(
            by_id=str(d.get("by_id") or ""),
            by_name=str(d.get("by_name") or ""),
            at=datetime.fromisoformat(d["at"]),
        )
