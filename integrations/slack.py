"""Slack: the Web API (post, update, thread reply, file upload v2), incoming webhook, local sink.

Three transports behind one small interface, picked by what is configured:

- `WebApiSlack`: bot token + channel ID. Messages can be updated, so one message per incident
  can follow it from firing to resolved. `find()` looks a message up by the nonce we attach as
  message metadata: after a crash between Slack's answer and our bookkeeping, the receiver asks
  before posting again (needs `channels:history`/`groups:history`; without them, at-least-once).
- `WebhookSlack`: an incoming webhook URL only; it can post, never update or look up.
- `SinkSlack`: no Slack at all (the local demo): each call is a JSON line in a file or on stdout.

Rate limits: Slack answers 429 with `Retry-After`. The wait is shared by every thread using the
client (a 429 for one call means the channel's budget is spent), honoured in-line up to
`max_wait` seconds, after which `RateLimited` tells the caller to reschedule. 5xx and connection
errors are retried with backoff, then raised as `Unavailable`; nothing is dropped here, the
caller's queue keeps the work. This is the only module that imports slack_sdk.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from integrations._http import retry_after
from integrations.errors import BadResponse, RateLimited, Rejected, Unavailable
from integrations.slack_common import (
    CONTENT_ERRORS,
    DEFAULT_API_URL,
    METADATA_EVENT,
    SERVER_ERRORS,
    Posted,
    Slack,
)
from integrations.slack_retry import Retrying
from integrations.slack_sink import SinkSlack
from runtime.settings import parse_duration, secret, setting

SYSTEM = "slack"
__all__ = [
    "CONTENT_ERRORS",
    "DEFAULT_API_URL",
    "Posted",
    "SinkSlack",
    "Slack",
    "SlackSettings",
    "WebApiSlack",
    "WebhookSlack",
    "web_api",
]


@dataclass(frozen=True)
class SlackSettings:
    """The Web API's settings, the same in both apps (the receiver adds its webhook and sink)."""

    slack_bot_token: str = secret("SLACK_BOT_TOKEN")
    slack_channel: str = setting("SLACK_CHANNEL", "")
    slack_api_url: str = setting("SLACK_API_URL", DEFAULT_API_URL)
    slack_timeout: float = setting("SLACK_TIMEOUT", 10.0, parse_duration)

    def slack_problems(self) -> list[str]:
        if self.slack_bot_token and not self.slack_channel:
            return ["SLACK_CHANNEL: required with SLACK_BOT_TOKEN (a channel ID such as C0123)"]
        return []


def web_api(settings: SlackSettings, **kwargs: Any) -> WebApiSlack:
    """The Web API client both apps use, built one way; `kwargs` (timing) are for tests."""
    return WebApiSlack(
        settings.slack_bot_token,
        settings.slack_channel,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
        **kwargs,
    )


_WORD = re.compile(r"[a-z][a-z_]{1,48}")


def transport_code(err: OSError) -> str:
    """`timeout` or `transport`: what a failed connection is called in metrics."""
    reason = getattr(err, "reason", err)  # URLError wraps the socket's error
    return "timeout" if isinstance(reason, TimeoutError) else "transport"


class WebApiSlack:
    """The Web API with a bot token; `base_url` is `SLACK_API_URL` (a fake in tests)."""

    supports_updates = True

    def __init__(
        self,
        token: str,
        channel: str,
        *,
        base_url: str = DEFAULT_API_URL,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel = channel
        self._client = WebClient(token=token, base_url=base_url, timeout=max(1, round(timeout)))
        self._retry = Retrying(max_attempts, backoff, max_wait, sleep, clock)

    @property
    def retries(self) -> int:
        return self._retry.retries

    def post(
        self,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
        thread_ts: str | None = None,
        nonce: str | None = None,
        channel: str | None = None,
    ) -> Posted:
        args: dict[str, Any] = {
            "channel": channel or self.channel,
            "text": text,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if blocks is not None:
            args["blocks"] = blocks
        if attachments is not None:
            args["attachments"] = attachments
        if thread_ts:
            args["thread_ts"] = thread_ts
        if nonce:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"id": nonce}}
        recheck = None
        if nonce:  # a 5xx or timeout may hide a message that was posted: look before reposting
            since = time.time() - 60

            def recheck() -> Posted | None:
                ts = self.find(nonce, since, thread_ts, args["channel"])
                return Posted(args["channel"], ts) if ts else None

        data = self._call(
            "chat.postMessage", lambda: self._client.chat_postMessage(**args), recheck
        )
        if isinstance(data, Posted):
            return data
        return Posted(data["channel"], data["ts"])

    def update(
        self,
        ts: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
        channel: str | None = None,
    ) -> Posted:
        args: dict[str, Any] = {"channel": channel or self.channel, "ts": ts, "text": text}
        if blocks is not None:
            args["blocks"] = blocks
        if attachments is not None:
            args["attachments"] = attachments
        data = self._call("chat.update", lambda: self._client.chat_update(**args))
        return Posted(data["channel"], data["ts"])

    def find(
        self, nonce: str, since: float, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None:
        """The ts of our message carrying `nonce`, posted at or after `since` (Unix seconds)."""
        cursor = None
        for _page in range(10):
            args: dict[str, Any] = {
                "channel": channel or self.channel,
                "oldest": f"{since:.6f}",
                "include_all_metadata": True,
                "limit": 200,
            }
            if cursor:
                args["cursor"] = cursor
            if thread_ts:
                data = self._call(
                    "conversations.replies",
                    functools.partial(self._client.conversations_replies, ts=thread_ts, **args),
                )
            else:
                data = self._call(
                    "conversations.history",
                    functools.partial(self._client.conversations_history, **args),
                )
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == METADATA_EVENT
                    and (meta.get("event_payload") or {}).get("id") == nonce
                ):
                    return message["ts"]
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def upload_file(
        self,
        content: bytes,
        filename: str,
        *,
        title: str | None = None,
        comment: str | None = None,
        thread_ts: str | None = None,
        channel: str | None = None,
    ) -> str:
        """files.upload v2 (getUploadURLExternal, upload, completeUploadExternal); the file ID."""
        data = self._call(
            "files.upload_v2",
            lambda: self._client.files_upload_v2(
                channel=channel or self.channel,
                content=content,
                filename=filename,
                title=title or filename,
                initial_comment=comment,
                thread_ts=thread_ts,
            ),
        )
        try:
            return data["files"][0]["id"] if "files" in data else data["file"]["id"]
        except (KeyError, IndexError, TypeError) as e:
            raise BadResponse(SYSTEM, f"files.completeUploadExternal answer: {e!r}") from e

    def channel_id(self, channel: str) -> str:
        """`channel`'s ID: an ID (C0123, G0123) as it is, a name (`alerts`, `#alerts`) looked up
        with conversations.list (`channels:read`, `groups:read` for a private one)."""
        name = channel.removeprefix("#")
        if re.fullmatch(r"[CGD][A-Z0-9]{2,}", name):
            return name
        cursor = None
        for _page in range(50):
            args: dict[str, Any] = {
                "types": "public_channel,private_channel",
                "exclude_archived": True,
                "limit": 1000,
            }
            if cursor:
                args["cursor"] = cursor
            data = self._call(
                "conversations.list", functools.partial(self._client.conversations_list, **args)
            )
            for c in data.get("channels", []):
                if c.get("name") == name:
                    return str(c["id"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        raise Rejected(SYSTEM, f"conversations.list: no channel named {name!r}")

    def usergroup_members(self, usergroup: str) -> frozenset[str]:
        """The user IDs in a user group (usergroups.users.list, `usergroups:read`)."""
        data = self._call(
            "usergroups.users.list",
            functools.partial(self._client.usergroups_users_list, usergroup=usergroup),
        )
        return frozenset(str(u) for u in data.get("users") or [])

    def auth_test(self) -> dict:
        return self._call("auth.test", self._client.auth_test)

    def permalink(self, ts: str, channel: str | None = None) -> str:
        """`chat.getPermalink` (no scope needed): the https link to one of our messages."""
        data = self._call(
            "chat.getPermalink",
            lambda: self._client.chat_getPermalink(channel=channel or self.channel, message_ts=ts),
        )
        return str(data.get("permalink") or "")

    def _call(
        self, method: str, call: Callable[[], Any], recheck: Callable[[], Any] | None = None
    ) -> Any:
        def once() -> dict:
            try:
                return call().data
            except SlackApiError as e:
                status = e.response.status_code
                body = e.response.data if isinstance(e.response.data, dict) else {}
                error = body.get("error") or f"HTTP {status}"
                if status == 429 or error == "ratelimited":
                    raise RateLimited(
                        SYSTEM, f"{method}: rate limited", retry_after(e.response.headers, 1.0)
                    ) from e
                code = body.get("error") or f"http_{status}"
                if status >= 500 or error in SERVER_ERRORS:
                    raise Unavailable(SYSTEM, f"{method}: {error}", code=code) from e
                raise Rejected(SYSTEM, f"{method}: {error}", code=code) from e
            except SlackRequestError as e:
                raise Rejected(SYSTEM, f"{method}: {e}", code="bad_request") from e
            except OSError as e:  # URLError, timeouts, refused connections
                raise Unavailable(SYSTEM, f"{method}: {e}", code=transport_code(e)) from e

        return self._retry.run(method, once, recheck)

    def close(self) -> None:
        return None  # urllib opens a connection per call: nothing to close


class WebhookSlack:
    """An incoming webhook: post only, no updates, threads or look-ups."""

    supports_updates = False

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = WebhookClient(url, timeout=max(1, round(timeout)))
        self._retry = Retrying(max_attempts, backoff, max_wait, sleep, clock)

    @property
    def retries(self) -> int:
        return self._retry.retries

    def post(
        self,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
        thread_ts: str | None = None,
        nonce: str | None = None,
        channel: str | None = None,
    ) -> Posted:
        if channel:
            raise Rejected(SYSTEM, "an incoming webhook posts to its own channel only")

        def once() -> Posted:
            try:
                resp = self._client.send(
                    text=text,
                    blocks=blocks,
                    attachments=attachments,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except OSError as e:
                raise Unavailable(SYSTEM, f"webhook: {e}", code=transport_code(e)) from e
            if resp.status_code == 429:
                raise RateLimited(SYSTEM, "webhook: rate limited", retry_after(resp.headers, 1.0))
            # Incoming webhooks answer errors as a bare word: `invalid_token`, `no_service`...
            word = resp.body.strip() if _WORD.fullmatch(resp.body.strip() or "-") else ""
            code = word or f"http_{resp.status_code}"
            if resp.status_code >= 500:
                raise Unavailable(
                    SYSTEM, f"webhook: HTTP {resp.status_code} {resp.body[:100]}", code=code
                )
            if resp.status_code != 200:
                raise Rejected(
                    SYSTEM, f"webhook: HTTP {resp.status_code} {resp.body[:100]}", code=code
                )
            return Posted("webhook", "")

        return self._retry.run("webhook", once)

    def update(
        self,
        ts: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
    ) -> Posted:
        raise Rejected(SYSTEM, "an incoming webhook cannot update messages")

    def find(
        self, nonce: str, since: float, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None:
        return None

    def close(self) -> None:
        return None
