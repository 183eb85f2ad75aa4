"""One way in for everything a person does in Slack, whichever transport brought it.

    Socket Mode (integrations/slack_socket.py)  ─┐
                                                 ├─► interaction_from() ─► Dispatcher.submit()
    POST /slack/events (slack_events.py)        ─┘      (after Slack was acknowledged)

`Dispatcher.submit` returns at once and runs the rest on a small thread pool: who may act
(`Access`), the handler registered for the interaction's kind (`command`: slack_commands.py;
`button`: the button actions, wired in wiring.py), a log line and a count
(`alert_receiver_slack_actions_total{action,outcome}`) for every action, and the handler's
`Reply` sent back through the interaction's `response_url`.

Who may act: a person in the alert channel (`SLACK_CHANNEL`, resolved to its ID once), or a member
of `SLACK_ALLOWED_USERGROUP` wherever they are. Anyone else gets an ephemeral "not allowed here",
and no handler runs. `/bravo help` (and any unknown word, answered with the help) changes
nothing and answers everywhere.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from alert_receiver.interactions import Handler, Interaction, Kind, Reply
from alert_receiver.metrics import Metrics
from integrations.errors import IntegrationError
from integrations.slack_common import escape_mrkdwn

log = logging.getLogger(__name__)

_LABEL = re.compile(r"[a-z][a-z0-9_]{0,31}")  # an action name fit for a metric label
MEMBERS_TTL = 60.0  # how long a user group's member list is trusted
CHANNEL_RETRY = 60.0  # how long the alert channel is not looked up again after a failed look-up
SLACK_HOOKS = "https://hooks.slack.com:443"  # where Slack's response_urls point


COMMANDS = {"analyze": "analyze", "analyse": "analyze", "help": "help"}
HARMLESS = frozenset({"help", "unknown"})  # commands that change nothing: answered anywhere


def action_of(i: Interaction) -> str:
    """The action's name for logs and the metric label, a bounded set: the button's action_id
    (only our own buttons' IDs reach us) or the command (analyze, help, else "unknown")."""
    if i.kind == "command":
        return COMMANDS.get((i.text.split() or ["help"])[0].lower(), "unknown")
    return i.action_id if _LABEL.fullmatch(i.action_id) else "other"


def interaction_from(kind: str, payload: Mapping[str, Any]) -> Interaction | None:
    """An `Interaction` from Slack's payload: `interactive` (block_actions) or `slash_commands`,
    as Socket Mode and the HTTP endpoint both carry them. None for what we do not handle
    (view submissions, shortcuts, Events API envelopes)."""
    if kind == "slash_commands":
        return Interaction(
            kind="command",
            user_id=str(payload.get("user_id", "")),
            user_name=str(payload.get("user_name", "")),
            team_id=str(payload.get("team_id", "")),
            channel_id=str(payload.get("channel_id", "")),
            response_url=str(payload.get("response_url", "")),
            command=str(payload.get("command", "")),
            text=str(payload.get("text", "")).strip(),
            trigger_id=str(payload.get("trigger_id", "")),
        )
    if kind != "interactive" or payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions") or [{}]
    action = actions[0] if isinstance(actions[0], dict) else {}
    selected = action.get("selected_option") or {}
    user = payload.get("user") or {}
    container = payload.get("container") or {}
    return Interaction(
        kind="button",
        user_id=str(user.get("id", "")),
        user_name=str(user.get("username") or user.get("name") or ""),
        team_id=str((payload.get("team") or {}).get("id") or user.get("team_id") or ""),
        channel_id=str((payload.get("channel") or {}).get("id") or container.get("channel_id", "")),
        response_url=str(payload.get("response_url", "")),
        action_id=str(action.get("action_id", "")),
        value=str(action.get("value") or selected.get("value") or ""),
        message_ts=str((payload.get("message") or {}).get("ts") or container.get("message_ts", "")),
        trigger_id=str(payload.get("trigger_id", "")),
    )


class Access:
    """Who may act: from the alert channel(s), or as a member of the allowed user group.

    `channels()` resolves the alert channels' IDs (SLACK_CHANNEL may be a name: a search through
    `conversations.list`, up to 50 pages); once it answers, the IDs are kept. A failed look-up (a
    wrong name, Slack down) is not repeated for `retry` seconds, so a misconfigured channel costs
    one search a minute, not one a press. Slack is asked outside the lock: one press looks the
    channel up while the others that need it wait for that answer, and nothing else waits (the
    user group's members, the presses once it is known). `members(group)` lists a user group,
    kept `ttl` seconds. When Slack cannot be asked, the answer is no: an action is never allowed
    by an error.
    """

    def __init__(
        self,
        channels: Callable[[], Iterable[str]],
        usergroup: str = "",
        members: Callable[[str], frozenset[str]] | None = None,
        *,
        ttl: float = MEMBERS_TTL,
        retry: float = CHANNEL_RETRY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolve, self.usergroup, self._members = channels, usergroup, members
        self.ttl, self.retry, self._clock = ttl, retry, clock
        self._channels: frozenset[str] | None = None
        self._failed_at: float | None = None  # when the last look-up of the channels failed
        self._resolving: threading.Event | None = None  # set when the look-up under way ends
        self._cached: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def channels(self) -> frozenset[str]:
        with self._lock:
            if self._channels is not None:
                return self._channels
            if self._failed_at is not None and self._clock() - self._failed_at < self.retry:
                return frozenset()
            under_way = self._resolving
            if under_way is None:
                done = self._resolving = threading.Event()
        if under_way is not None:  # another press is asking Slack: its answer is ours
            under_way.wait()
            with self._lock:
                return self._channels or frozenset()
        resolved: frozenset[str] | None = None
        try:
            resolved = frozenset(self._resolve())
        except IntegrationError as e:
            log.error(
                "Slack actions: cannot resolve the alert channel (asked again in %gs): %s",
                self.retry,
                e,
            )
        finally:
            with self._lock:
                self._channels = resolved
                self._failed_at = None if resolved is not None else self._clock()
                self._resolving = None
            done.set()
        return resolved or frozenset()

    def group_members(self) -> frozenset[str]:
        if not self.usergroup or self._members is None:
            return frozenset()
        now = self._clock()
        with self._lock:
            if self._cached is not None and now - self._cached[0] < self.ttl:
                return self._cached[1]
        try:
            members = self._members(self.usergroup)
        except IntegrationError as e:
            log.error("Slack actions: cannot list user group %s: %s", self.usergroup, e)
            return frozenset()
        with self._lock:
            self._cached = (now, members)
        return members

    def allowed(self, i: Interaction) -> bool:
        return i.channel_id in self.channels() or i.user_id in self.group_members()


def refusal(access: Access) -> str:
    where = " or ".join(f"<#{c}>" for c in sorted(access.channels())) or "the alert channel"
    who = f" or by members of <!subteam^{access.usergroup}>" if access.usergroup else ""
    return f":no_entry: Not allowed here: actions are taken from {where}{who}. Nothing was changed."


def origin(url: str) -> str:
    """`scheme://host:port` of a URL, the port spelled out; "" when it has none (or a bad port)."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return ""
    if not parts.hostname or port is None:
        return ""
    return f"{parts.scheme.lower()}://{parts.hostname}:{port}"


def response_origins(api_url: str) -> frozenset[str]:
    """Where a reply may be sent: Slack's hooks over HTTPS, and exactly the Web API's scheme, host
    and port (a loopback fake over plain HTTP in tests). A `response_url` anywhere else, or on a
    Slack host over plain HTTP, is not followed: the reply may carry what a person should see."""
    return frozenset({SLACK_HOOKS, origin(api_url)} - {""})


def _log_failure(future: Future) -> None:
    """A pool swallows what a task raises: say it (dispatch itself should never raise)."""
    e = future.exception()
    if e is not None:
        log.error("Slack action not handled: %r", e, exc_info=e)


class Dispatcher:
    """Checks, runs and answers interactions; `submit` never blocks its caller."""

    def __init__(
        self,
        handlers: Mapping[Kind, Handler],
        access: Access,
        respond: Callable[[str, Reply], None],
        metrics: Metrics,
        *,
        reply_origins: frozenset[str] = frozenset({SLACK_HOOKS}),
        threads: int = 4,
    ) -> None:
        self.handlers, self.access, self.respond, self.metrics = handlers, access, respond, metrics
        self.reply_origins = reply_origins
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="slack-action")

    def submit(self, i: Interaction) -> None:
        future = self._pool.submit(self.dispatch, i)
        future.add_done_callback(_log_failure)

    def dispatch(self, i: Interaction) -> Reply | None:
        """The whole of one interaction, here and now: what `submit` runs on the pool."""
        action = action_of(i)
        target = i.value or i.text or i.message_ts
        reply: Reply | None
        if (i.kind == "command" and action in HARMLESS) or self.access.allowed(i):
            handler = self.handlers.get(i.kind)
            if handler is None:
                outcome, reply = "unknown", Reply(f"This receiver has no handler for {i.kind}s.")
            else:
                try:
                    reply = handler(i)
                    outcome = "ok"
                except Exception as e:  # a handler's bug: the person is told, the log has it
                    log.exception("Slack action %s by %s failed", action, i.user_id)
                    outcome = "error"
                    reply = Reply(
                        f":warning: That failed: {escape_mrkdwn(e)}. See the receiver's log."
                    )
        else:
            outcome, reply = "refused", Reply(refusal(self.access))
        self.metrics.slack_actions.labels(action, outcome).inc()
        log.info(
            "slack action=%s outcome=%s user=%s user_name=%s channel=%s target=%s",
            action,
            outcome,
            i.user_id,
            i.user_name,
            i.channel_id,
            target[:100],
        )
        if reply is not None:
            self._answer(i, reply)
        return reply

    def _answer(self, i: Interaction, reply: Reply) -> None:
        if not i.response_url:
            log.warning("Slack action by %s: no response_url, reply dropped", i.user_id)
            return
        where = origin(i.response_url)
        if where not in self.reply_origins:
            log.warning("Slack action by %s: response_url on %r not followed", i.user_id, where)
            return
        try:
            self.respond(i.response_url, reply)
        except IntegrationError as e:
            log.warning("Slack action by %s: reply not delivered: %s", i.user_id, e)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
