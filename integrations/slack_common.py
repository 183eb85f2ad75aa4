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
# Slack's own words for a failure on its side (answered with HTTP 200 or 5xx): worth retrying.
SERVER_ERRORS = ("fatal_error", "internal_error", "service_unavailable")
# Slack refuses the credentials: nothing gets through until someone fixes the token or app.
AUTH_ERRORS = (
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "invalid_token",  # incoming webhook
)
# The channel is gone, or the bot is not in it or may not post there: every post to that channel
# fails the same way until someone invites the bot or picks another channel.
# One message is gone or can no longer be edited (someone deleted it, a thread's parent went).
MESSAGE_ERRORS = (
    "message_not_found",
    "cant_update_message",
    "edit_window_closed",
    "thread_not_found",
    "cannot_reply_to_message",
)
CHANNEL_ERRORS = (
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "channel_is_archived",  # incoming webhook
    "no_service",  # incoming webhook: the webhook was removed
    "restricted_action",
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
