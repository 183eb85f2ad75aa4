"""`POST /slack/events`: Slack's interactivity and slash-command requests over HTTP.

Only with `SLACK_SIGNING_SECRET` (otherwise the route does not exist: 404). Every request's
signature is checked before its body is parsed: `X-Slack-Signature` must be
`v0=` + HMAC-SHA256(secret, `v0:{X-Slack-Request-Timestamp}:{raw body}`), compared in constant
time, and the timestamp within 5 minutes of our clock, so a captured request cannot be replayed
later. A bad or stale signature is 401 and nothing is done.

Slack wants an answer within 3 s: the route answers 200 with an empty body at once and hands the
interaction to the dispatcher's thread pool (slack_dispatch.py), which replies through the
interaction's `response_url`. The slash command only queues a durable task (slack_commands.py);
a button's work runs in this web worker's pool. If the worker dies after the 200 and before the
action is done, that action is lost (Slack already showed the press as received) and the person
presses again; nothing is half done by it, since each action is one call to Alertmanager or the
queue. Socket Mode (slack_socket.py) runs the same dispatcher in the delivery process instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from collections.abc import Callable

from flask import Flask, Response, jsonify, request

from alert_receiver.slack_dispatch import Dispatcher, interaction_from

log = logging.getLogger(__name__)
WINDOW = 300.0  # seconds a signed request stays valid (Slack's own recommendation)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def check_signature(
    secret: str,
    timestamp: str | None,
    body: bytes,
    given: str | None,
    now: float,
    window: float = WINDOW,
) -> str | None:
    """None when the request is Slack's and fresh; otherwise why not (for the log)."""
    if not timestamp or not given:
        return "no X-Slack-Request-Timestamp or X-Slack-Signature"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a number"
    if abs(now - sent) > window:
        return f"timestamp {now - sent:+.0f}s from now, outside the {window:g}s window"
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode()):
        return "signature does not match"
    return None


def add_slack_events(
    app: Flask,
    secret: str,
    dispatcher: Dispatcher,
    *,
    clock: Callable[[], float] = time.time,
) -> None:
    @app.post("/slack/events")
    def slack_events():
        body = request.get_data(cache=False)
        problem = check_signature(
            secret,
            request.headers.get("X-Slack-Request-Timestamp"),
            body,
            request.headers.get("X-Slack-Signature"),
            clock(),
        )
        if problem:
            log.warning("POST /slack/events refused from %s: %s", request.remote_addr, problem)
            return jsonify({"status": "error", "error": "bad or stale Slack signature"}), 401
        if request.mimetype == "application/json":  # Event Subscriptions' URL check only
            event = json.loads(body or b"{}")
            if event.get("type") == "url_verification":
                return jsonify({"challenge": event.get("challenge", "")}), 200
            return Response(status=200)
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        if "payload" in form:
            try:
                payload = json.loads(form["payload"])
            except ValueError:
                return jsonify({"status": "error", "error": "payload is not JSON"}), 400
            interaction = interaction_from("interactive", payload)
        elif "command" in form:
            interaction = interaction_from("slash_commands", form)
        else:
            interaction = None
        if form.get("ssl_check"):  # Slack checking the certificate of a slash command URL
            return Response(status=200)
        if interaction is None:
            log.info("POST /slack/events: nothing to do with this request, acknowledged")
        else:
            dispatcher.submit(interaction)
        return Response(status=200)
