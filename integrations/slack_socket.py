"""Slack's interactive side: the Socket Mode connection, and answers sent to a `response_url`.

Socket Mode (`SLACK_APP_TOKEN`, an `xapp-` token with `connections:write`): the receiver dials
out to Slack over a WebSocket, so the cluster opens no inbound port to the internet. slack-sdk's
built-in client does the protocol: `apps.connections.open` at `SLACK_API_URL` for a fresh
`wss://` URL, pings every `ping_interval`, and a new connection whenever Slack asks for one
(`disconnect` envelopes) or the socket goes quiet or drops (`auto_reconnect_enabled`, and our
watchdog for a socket that dies without a word). Slack hands
each envelope to one of an app's connections and wants it acknowledged within 3 s, or it shows the
person an error and retries; `SocketModeListener` acknowledges every envelope first and only then
passes it on, so nothing slow (Alertmanager, a model) can hold the acknowledgement.

A reply goes to the interaction's `response_url` (valid 30 minutes, 5 uses), `respond()`: the
same for Socket Mode and the HTTP endpoint. slack_sdk is imported here and in slack.py only.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from integrations.errors import Rejected, Unavailable
from integrations.slack_common import DEFAULT_API_URL

SYSTEM = "slack"
log = logging.getLogger(__name__)

Envelope = Callable[[str, dict[str, Any]], None]
"""`(type, payload)`: "interactive" or "slash_commands" (or another type, to be ignored)."""


class SocketModeListener:
    """One Socket Mode connection for this process; `on_envelope` must return quickly.

    `start()` returns at once: the first connection is made in the background and retried with
    backoff (Slack or the network may be down when the pod starts; delivery must not wait).
    """

    def __init__(
        self,
        app_token: str,
        on_envelope: Envelope,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 10.0,
        ping_interval: float = 5.0,
        retry_max: float = 60.0,
    ) -> None:
        self.on_envelope = on_envelope
        self.retry_max = retry_max
        self.ping_interval = ping_interval
        self.acks = 0
        self.reconnects = 0  # forced by the watchdog
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        web = WebClient(base_url=api_url, timeout=max(1, round(timeout)))
        self._client = SocketModeClient(
            app_token=app_token,
            web_client=web,
            auto_reconnect_enabled=True,
            ping_interval=ping_interval,
            concurrency=4,  # only acknowledges and hands over: the work runs elsewhere
            # slack-sdk's own logger (quiet: alert_receiver/logfmt.py); our lines say what matters
            on_close_listeners=[self._on_close],
        )
        self._client.socket_mode_request_listeners.append(self._on_request)
        self._client.message_listeners.append(self._on_message)

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    @property
    def session_id(self) -> str | None:
        return self._client.session_id()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._connect, name="slack-socket", daemon=True)
        self._thread.start()
        self._watchdog = threading.Thread(
            target=self._watch, name="slack-socket-watch", daemon=True
        )
        self._watchdog.start()

    def _connect(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                self._client.connect()
            except SlackApiError as e:
                body = e.response.data if e.response is not None else None
                error = body.get("error") if isinstance(body, dict) else None
                log.error(
                    "Socket Mode: apps.connections.open failed (%s); retrying in %.0fs",
                    error or e,
                    delay,
                )
            except OSError as e:
                log.error("Socket Mode: cannot reach Slack (%s); retrying in %.0fs", e, delay)
            except Exception as e:  # anything else must not end the retries silently
                log.error("Socket Mode: cannot connect (%r); retrying in %.0fs", e, delay)
            else:
                # From here on slack-sdk's monitor and our watchdog reconnect, whatever happened.
                if not self._client.is_connected():
                    log.error("Socket Mode: the WebSocket did not open; retrying")
                return
            self._stop.wait(delay)
            delay = min(self.retry_max, delay * 2)

    def _watch(self) -> None:
        """Replaces a connection that is closed, or whose pongs stopped for two ping intervals
        (and a second), with backoff while Slack cannot be reached.

        slack-sdk alone notices a closed socket at its next check (every ping interval, 5 s) and
        one that just dies (no close frame: a node, NAT or proxy gone) only after five failed
        pings or four silent intervals, about 30 s, spinning on the dead socket meanwhile; Slack
        retries an unacknowledged envelope for a while, but the person waits. Measured by
        bench/slack_actions.py.
        """
        stale_after = 2 * self.ping_interval + 1.0
        session_id, since = None, time.time()
        backoff, next_try = 1.0, 0.0
        while not self._stop.wait(min(1.0, self.ping_interval)):
            session = self._client.current_session
            if session is None or self._client.closed:
                continue  # the first connection is still being made (_connect)
            if session.session_id != session_id:
                session_id, since = session.session_id, time.time()
            heard = max(since, session.last_ping_pong_time or 0.0)
            closed = not session.is_active()
            silent = time.time() - heard > stale_after
            if not (closed or silent) or time.monotonic() < next_try:
                continue
            why = "the connection closed" if closed else f"no pong for {time.time() - heard:.0f}s"
            log.warning("Socket Mode: %s (session %s); reconnecting", why, session_id)
            try:
                self._client.connect_to_new_endpoint(force=True)
            except Exception as e:  # the watchdog must outlive any failure to reconnect
                log.error("Socket Mode: reconnecting failed (%r)", e)
            self.reconnects += 1
            if self._client.is_connected():
                backoff = 1.0
            else:
                next_try = time.monotonic() + backoff
                backoff = min(self.retry_max, backoff * 2)
            session_id, since = None, time.time()

    def _on_message(self, client: Any, message: dict, raw: str | None) -> None:
        kind = message.get("type")
        if kind == "hello":
            log.info("Socket Mode: connected (session %s)", client.session_id())
        elif kind == "disconnect":
            log.info("Socket Mode: Slack rotates the connection (%s)", message.get("reason"))

    def _on_close(self, code: int, reason: str | None) -> None:
        if not self._stop.is_set():
            log.info("Socket Mode: Slack closed the connection (%s %s)", code, reason or "")

    def _on_request(self, client: Any, req: SocketModeRequest) -> None:
        # Acknowledge first: Slack retries (and shows the person an error) after 3 s.
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        self.acks += 1
        try:
            self.on_envelope(req.type, req.payload or {})
        except Exception:  # one bad envelope must not stop the connection's worker
            log.exception("Socket Mode: envelope %s (%s) not handled", req.envelope_id, req.type)

    def close(self) -> None:
        self._stop.set()
        self._client.auto_reconnect_enabled = False
        session = self._client.current_session
        if session is not None and session.sock is not None:
            # Wakes the reader now: slack-sdk's close otherwise waits for its 3 s receive timeout.
            with contextlib.suppress(OSError):
                session.sock.shutdown(socket.SHUT_RDWR)
        self._client.close()
        for thread in (self._thread, self._watchdog):
            if thread is not None:
                thread.join(5)


def respond(
    response_url: str,
    text: str,
    *,
    ephemeral: bool = True,
    replace_original: bool = False,
    timeout: float = 10.0,
    blocks: list[dict] | None = None,
    attachments: list[dict] | None = None,
) -> None:
    """Answer an interaction through its `response_url`: only the person sees an ephemeral one;
    `in_channel` shows it to the channel. `text` is mrkdwn: escape what did not come from us.
    It reaches the person even where the bot may not post (a channel it is not in, a DM)."""
    body: dict[str, Any] = {
        "text": text,
        "response_type": "ephemeral" if ephemeral else "in_channel",
        "replace_original": replace_original,
    }
    if blocks:
        body["blocks"] = blocks
    if attachments:
        body["attachments"] = attachments
    try:
        resp = WebhookClient(response_url, timeout=max(1, round(timeout))).send_dict(body)
    except OSError as e:
        raise Unavailable(SYSTEM, f"response_url: {e}") from e
    if resp.status_code >= 500 or resp.status_code == 429:
        raise Unavailable(SYSTEM, f"response_url: HTTP {resp.status_code} {resp.body[:100]}")
    if resp.status_code != 200:
        raise Rejected(SYSTEM, f"response_url: HTTP {resp.status_code} {resp.body[:100]}")
