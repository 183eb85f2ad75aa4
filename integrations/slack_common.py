"""What every Slack transport shares (slack.py, slack_sink.py): the interface and its result, and
the one escaping of outside text for Slack's mrkdwn, used by the receiver and the reporter alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

DEFAULT_API_URL = "https://slack.com/api/"
METADATA_EVENT = "alert_receiver_message"
# Errors that mean "the message itself is wrong": sending it again cannot help.
CONTENT_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_metadata_format",
    }
)


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


class Slack(Protocol):
    supports_updates: bool

    def post(
        self,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
        thread_ts: str | None = None,
        nonce: str | None = None,
        channel: str | None = None,  # None: the configured channel
    ) -> Posted: ...

    def update(
        self,
        ts: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
    ) -> Posted: ...

    def find(
        self, nonce: str, since: float, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None: ...

    def close(self) -> None: ...


def escape_mrkdwn(text: object) -> str:
    """Slack's three control characters (`&`, `<`, `>`), the only escaping its mrkdwn needs.

    Every text that did not come from us goes through this before it reaches Slack: unescaped,
    `<!channel>` in a log line pings the whole channel and `<http://x|y>` in a label forges a link.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
