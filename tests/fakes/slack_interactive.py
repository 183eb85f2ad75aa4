"""FakeSlack's interactive side (a mixin): Socket Mode's `apps.connections.open`, the look-ups the
receiver makes before it lets someone act (`conversations.list`, `usergroups.users.list`), and
the `response_url`s where it answers a person.

    slack = FakeSlack(app_token="xapp-test", usergroups={"S0ONCALL": {"U0BOB"}})
    socket = slack.open_socket_mode()        # apps.connections.open now names its ws:// URL
    url = slack.response_url("press-1")      # replies are recorded in slack.responses
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.fakes.http import Reply, Request
from tests.fakes.slack_socket import FakeSocketMode


class InteractiveApi:
    url: str
    lock: threading.Lock
    channels: set[str]

    def _init_interactive(
        self,
        app_token: str,
        channel_names: dict[str, str] | None,
        usergroups: dict[str, set[str]] | None,
    ) -> None:
        self.app_token = app_token
        self.channel_names = channel_names or {c: "alerts" for c in self.channels}
        self.usergroups = usergroups or {}
        self.responses: list[dict[str, Any]] = []  # {"name", "body", "at"}
        self.socket: FakeSocketMode | None = None
        self.expired_responses: set[str] = set()  # response_urls Slack no longer takes

    def open_socket_mode(self) -> FakeSocketMode:
        if self.socket is None:
            self.socket = FakeSocketMode()
        return self.socket

    def response_url(self, name: str) -> str:
        return f"{self.url}/_response/{name}"

    def replies(self, name: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r["body"] for r in self.responses if name in (None, r["name"])]

    def wait_replies(self, name: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.replies(name)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.replies(name)

    def _response(self, req: Request) -> Reply:
        if req.path.rsplit("/", 1)[1] in self.expired_responses:
            return 404, {"Content-Type": "text/plain"}, b"expired_url"
        body = req.json()
        with self.lock:
            self.responses.append(
                {"name": req.path.rsplit("/", 1)[1], "body": body, "at": time.time()}
            )
        return 200, {"Content-Type": "text/plain"}, b"ok"

    def _interactive_auth(self, method: str, req: Request) -> dict[str, Any] | None:
        """Socket Mode's method takes the app-level token, and only it."""
        if method != "apps.connections.open":
            return None
        if req.headers.get("Authorization") != f"Bearer {self.app_token}":
            return {"ok": False, "error": "invalid_auth"}
        if self.socket is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket.new_url()}

    def _conversations_list(self, args: dict) -> dict:
        if "channels:read" in getattr(self, "scopes_missing", set()):
            return {"ok": False, "error": "missing_scope", "needed": "channels:read"}
        chans = [{"id": i, "name": n, "is_channel": True} for i, n in self.channel_names.items()]
        return {"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}}

    def _usergroups_users_list(self, args: dict) -> dict:
        group = args.get("usergroup")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": sorted(self.usergroups[group])}

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
        super().close()  # FakeServer's, next in FakeSlack's MRO
