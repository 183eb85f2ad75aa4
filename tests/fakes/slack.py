"""FakeSlack: the Web API methods and the incoming webhook the receiver and reporter use.

It checks what real Slack checks and answers the way it does: bearer token (`invalid_auth`), known
channel IDs (`channel_not_found`), Block Kit limits (`invalid_blocks`: 50 blocks, 3,000 characters a
section, 150 a header, 10 fields, the buttons' limits: slack_blocks.py), message length
(`msg_too_long`), `thread_ts` and `ts` that exist. `fail(method, status, times, retry_after)` makes
the next calls answer 429 (with `Retry-After`) or 5xx; `hold(method)` keeps the next call's answer
back (the call takes effect) until the test releases it, so the test can kill the caller while its
request is in flight (`effect_first=False`: the call takes effect only once released, a request
still on its way). Every call is recorded in `calls`; messages keep their last content and their
metadata, which `conversations.history` returns with `include_all_metadata`. Each of several callers
can be given its own base URL, `api_url_for(name)`: its calls are recorded with `via=name`.

    slack = FakeSlack(token="xoxb-test", channels={"C0ALERTS"})
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    slack.messages  # {ts: {"text", "blocks", "attachments", "thread_ts", "metadata", "updates"}}
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, json_reply
from tests.fakes.slack_blocks import block_problems
from tests.fakes.slack_interactive import InteractiveApi


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    error: str | None
    at: float = field(default_factory=time.time)
    via: str = ""  # the name in the caller's base URL (`api_url_for`)


@dataclass
class Hold:
    """A call whose answer waits: `arrived` once it took effect, `release()` lets it answer."""

    method: str
    only_via: str | None = None  # only a call from this caller (`api_url_for`)
    effect_first: bool = True  # the call takes effect before its answer waits, or after
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    via: str = ""
    args: dict[str, Any] = field(default_factory=dict)

    def wait_here(self, via: str, args: dict[str, Any]) -> None:
        self.via, self.args = via, args
        self.arrived.set()
        self.released.wait(60)

    def release(self) -> None:
        self.released.set()


_WEBHOOK_ERRORS = {
    403: "invalid_token",
    404: "no_service",
    410: "channel_is_archived",
    429: "rate_limited",
}


class FakeSlack(InteractiveApi, FakeServer):
    def __init__(
        self,
        token: str = "xoxb-test",  # noqa: S107 - the fake's bot token
        channels: set[str] | None = None,
        *,
        app_token: str = "xapp-test",  # noqa: S107 - the fake's app-level token
        channel_names: dict[str, str] | None = None,
        usergroups: dict[str, set[str]] | None = None,
    ) -> None:
        self.token = token
        self.channels = channels or {"C0ALERTS"}
        self._init_interactive(app_token, channel_names, usergroups)
        self.calls: list[Call] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.webhook_posts: list[dict[str, Any]] = []
        self.scopes_missing: set[str] = set()
        self.delay = 0.0  # seconds each Web API call takes
        self._failures: list[tuple[str, int, float | None, bool]] = []
        self._holds: list[Hold] = []
        self._ids = itertools.count(1)
        self._last_ts = 0.0
        super().__init__()
        self.api_url = f"{self.url}/api/"
        self.webhook_url = f"{self.url}/services/T000/B000/XXXX"

    # -- control ------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        after: bool = False,
    ):
        """The next `times` calls of `method` ("*" for any, "webhook") answer `status`; with
        `after=True` the call takes effect first and only its answer is lost (a timeout)."""
        with self.lock:
            self._failures += [(method, status, retry_after, after)] * times

    def api_url_for(self, name: str) -> str:
        """A Web API base URL of its own for one caller (a replica): its calls carry `via`."""
        return f"{self.url}/via/{name}/api/"

    def hold(self, method: str, via: str | None = None, effect_first: bool = True) -> Hold:
        """The next call of `method` (from `via`, if given) takes effect, then its answer waits
        until `release()` (60 s at most): a request in flight, answered only after its caller was
        killed, or slow. With `effect_first=False` the call waits first, then takes effect."""
        held = Hold(method, via, effect_first)
        with self.lock:
            self._holds.append(held)
        return held

    def posts(self, thread: bool | None = False) -> list[dict[str, Any]]:
        """Messages posted (top-level by default; thread=True for replies, None for all)."""
        with self.lock:
            msgs = list(self.messages.values())
        if thread is None:
            return msgs
        return [m for m in msgs if bool(m.get("thread_ts")) == thread]

    def count(self, method: str, ok: bool = True) -> int:
        with self.lock:
            return sum(1 for c in self.calls if c.method == method and (c.error is None) == ok)

    # -- HTTP ---------------------------------------------------------------------------------

    def handle(self, req: Request) -> Reply:
        if req.path == "/_fake/count":
            with self.lock:
                top = sum(1 for m in self.messages.values() if not m.get("thread_ts"))
                return json_reply(200, {"posts": top, "calls": len(self.calls)})
        if req.path == "/_fake/messages":
            with self.lock:
                return json_reply(200, {"messages": list(self.messages.values())})
        if req.path.startswith("/services/"):
            return self._webhook(req)
        if req.path.startswith("/_response/"):
            return self._response(req)
        if req.path.startswith("/_upload/"):
            with self.lock:
                self.files.setdefault(req.path.rsplit("/", 1)[1], {})["content"] = req.body
            return 200, {"Content-Type": "text/plain"}, b"OK - uploaded"
        via = ""
        if req.path.startswith("/via/"):
            via, _, rest = req.path.removeprefix("/via/").partition("/")
            req.path = "/" + rest
        method = req.path.removeprefix("/api/")
        args = req.form()
        if self.delay:
            time.sleep(self.delay)
        failure = self._take_failure(method)
        if failure:
            status, retry_after, after = failure
            if after and req.headers.get("Authorization") == f"Bearer {self.token}":
                getattr(self, "_" + method.replace(".", "_"))(args)
            self._record(method, args, status, "forced", via)
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
            if status == 429:
                return json_reply(429, {"ok": False, "error": "ratelimited"}, headers)
            return status, {"Content-Type": "text/html", **headers}, b"<html>Server Error</html>"
        interactive = self._interactive_auth(method, req)
        if interactive is not None:
            return self._answer(method, args, interactive, via)
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(method, args, {"ok": False, "error": "invalid_auth"}, via)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer(method, args, {"ok": False, "error": "unknown_method"}, via)
        held = self._take_hold(method, via)
        if held is not None and not held.effect_first:
            held.wait_here(via, args)
        reply = self._answer(method, args, handler(args), via)
        if held is not None and held.effect_first:
            held.wait_here(via, args)
        return reply

    def _take_hold(self, method: str, via: str) -> Hold | None:
        with self.lock:
            for i, held in enumerate(self._holds):
                if held.method == method and held.only_via in (None, via):
                    return self._holds.pop(i)
        return None

    def _take_failure(self, method: str) -> tuple[int, float | None, bool] | None:
        with self.lock:
            for i, (m, status, retry_after, after) in enumerate(self._failures):
                if m in (method, "*"):
                    del self._failures[i]
                    return status, retry_after, after
        return None

    def _record(
        self, method: str, args: dict, status: int, error: str | None, via: str = ""
    ) -> None:
        with self.lock:
            self.calls.append(Call(method, args, status, error, via=via))

    def _answer(self, method: str, args: dict, body: dict, via: str = "") -> Reply:
        self._record(method, args, 200, None if body.get("ok") else body.get("error"), via)
        return json_reply(200, body)

    def _new_ts(self) -> str:
        with self.lock:
            now = max(time.time(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    @staticmethod
    def _content_problem(args: dict) -> str | None:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        attachments = args.get("attachments")
        if isinstance(attachments, str):
            attachments = json.loads(attachments)
        problems = block_problems(blocks or [])
        for a in attachments or []:
            problems += block_problems(a.get("blocks") or [])
        if problems:
            return "invalid_blocks"
        if not (args.get("text") or blocks or attachments):
            return "no_text"
        if len(args.get("text") or "") > 40000:
            return "msg_too_long"
        return None

    # -- Web API methods ----------------------------------------------------------------------

    def _auth_test(self, args: dict) -> dict:
        return {"ok": True, "team": "fake", "user": "alert-receiver", "bot_id": "B0"}

    def _chat_postMessage(self, args: dict) -> dict:
        channel = args.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        problem = self._content_problem(args)
        if problem:
            return {"ok": False, "error": problem}
        thread_ts = args.get("thread_ts")
        if thread_ts and thread_ts not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        ts = self._new_ts()
        message = {
            "ts": ts,
            "channel": channel,
            "text": args.get("text", ""),
            "blocks": args.get("blocks"),
            "attachments": args.get("attachments"),
            "thread_ts": thread_ts,
            "metadata": args.get("metadata"),
            "updates": 0,
        }
        with self.lock:
            self.messages[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict) -> dict:
        ts = args.get("ts")
        if args.get("channel") not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        problem = self._content_problem(args)
        if problem:
            return {"ok": False, "error": problem}
        with self.lock:
            message = self.messages.get(ts)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.update(
                text=args.get("text", ""),
                blocks=args.get("blocks"),
                attachments=args.get("attachments"),
                updates=message["updates"] + 1,
            )
        return {"ok": True, "channel": args["channel"], "ts": ts, "text": message["text"]}

    def _chat_getPermalink(self, args: dict) -> dict:
        channel, ts = args.get("channel"), args.get("message_ts")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if ts not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _history(self, args: dict, pick) -> dict:
        if "history" in self.scopes_missing:
            return {"ok": False, "error": "missing_scope", "needed": "channels:history"}
        oldest = float(args.get("oldest") or 0)
        with_meta = str(args.get("include_all_metadata")).lower() in ("1", "true")
        with self.lock:
            found = [
                dict(m) for m in self.messages.values() if pick(m) and float(m["ts"]) >= oldest
            ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        if not with_meta:
            for m in found:
                m.pop("metadata", None)
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_history(self, args: dict) -> dict:
        channel = args.get("channel")
        return self._history(args, lambda m: m["channel"] == channel and not m.get("thread_ts"))

    def _conversations_replies(self, args: dict) -> dict:
        parent = args.get("ts")
        if parent not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        return self._history(args, lambda m: m["ts"] == parent or m.get("thread_ts") == parent)

    def _files_getUploadURLExternal(self, args: dict) -> dict:
        file_id = f"F{next(self._ids):06d}"
        with self.lock:
            self.files[file_id] = {"filename": args.get("filename"), "length": args.get("length")}
        return {"ok": True, "upload_url": f"{self.url}/_upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict) -> dict:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if args.get("channel_id") and args["channel_id"] not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        out = []
        with self.lock:
            for f in files or []:
                record = self.files.get(f["id"])
                if record is None or "content" not in record:
                    return {"ok": False, "error": "file_not_found"}
                record.update(
                    title=f.get("title"),
                    channel=args.get("channel_id"),
                    initial_comment=args.get("initial_comment"),
                )
                out.append({"id": f["id"], "title": f.get("title"), "name": record["filename"]})
        return {"ok": True, "files": out}

    # -- incoming webhook ---------------------------------------------------------------------

    def _webhook(self, req: Request) -> Reply:
        failure = self._take_failure("webhook")
        if failure:
            status, retry_after, _ = failure
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
            # What Slack's incoming webhooks answer: a bare word naming the problem.
            word = _WEBHOOK_ERRORS.get(
                status, "server_error" if status >= 500 else "invalid_payload"
            )
            return status, {"Content-Type": "text/plain", **headers}, word.encode()
        body = req.json()
        problem = self._content_problem(body)
        if problem:
            return 400, {"Content-Type": "text/plain"}, problem.encode()
        with self.lock:
            self.webhook_posts.append(body)
        return 200, {"Content-Type": "text/plain"}, b"ok"
