"""`POST /api/v1/alerts`: check the bearer token, check the webhook, store it, answer.

The one endpoint Alertmanager calls, and in an alert storm the only hot path: about a thousand
requests a second. It is a plain WSGI layer in front of the Flask app (`app.wsgi_app = Intake(
...)`, as Flask's docs wrap middleware) because Flask's request machinery (context push and pop,
URL matching, hooks, the JSON provider) was a fifth of a webhook's CPU in the web worker, and
that CPU is what an 8-sender storm queues behind. Every other path goes to Flask untouched.

202 means "stored, it will be delivered"; 503 means "not stored, send it again" (Alertmanager
retries 5xx); 400, 401, 405 and 413 are final, each with a JSON reason.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from alert_receiver.metrics import Metrics
from alert_receiver.model import NewTask
from alert_receiver.payload import PayloadError, parse_webhook
from alert_receiver.store.base import Store, StoreError

log = logging.getLogger(__name__)

PATH = "/api/v1/alerts"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TokenCheck:
    """The bearer token, from the setting or a mounted file re-read when it changes (rotation
    without restart); compared in constant time."""

    def __init__(self, token: str, path: str = "") -> None:
        self._token = token.encode()
        self._path = path
        self._mtime = self._stat()

    def _stat(self) -> float:
        try:
            return os.stat(self._path).st_mtime if self._path else 0.0
        except OSError:
            return 0.0

    def current(self) -> bytes:
        if self._path:
            mtime = self._stat()
            if mtime != self._mtime:
                try:
                    token = Path(self._path).read_text(encoding="utf-8").strip().encode()
                except OSError as e:
                    log.error("cannot re-read %s: %s; keeping the previous token", self._path, e)
                else:
                    if token:
                        self._token, self._mtime = token, mtime
                        log.info("token file %s changed: new token in use", self._path)
        return self._token

    def ok(self, header: str | None) -> bool:
        expected = self.current()
        scheme, _, given = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not expected:
            return False
        return hmac.compare_digest(given.strip().encode(), expected)


class Intake:
    def __init__(
        self,
        app: WSGIApp,
        store: Store,
        metrics: Metrics,
        authorized: Callable[[str | None], bool],
        max_body: int,
    ) -> None:
        self.app, self.store, self.metrics = app, store, metrics
        self.authorized, self.max_body = authorized, max_body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        t0 = time.perf_counter()
        try:
            status, body, headers = self._handle(environ, t0)
        except Exception:
            log.exception("error serving POST %s", PATH)
            self.metrics.requests.labels("500").inc()
            status, body, headers = 500, {"error": "internal error, see the receiver's log"}, []
        if status != 202:
            body = {"status": "error", **body}
        out = json.dumps(body).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(out))), *headers],
        )
        return [out]

    def _handle(self, environ: dict[str, Any], t0: float) -> tuple[int, dict, list]:
        m = self.metrics
        if environ.get("REQUEST_METHOD") != "POST":
            return 405, {"error": "only POST"}, [("Allow", "POST")]
        if not self.authorized(environ.get("HTTP_AUTHORIZATION")):
            m.requests.labels("401").inc()
            challenge = ("WWW-Authenticate", 'Bearer realm="alert-receiver"')
            return 401, {"error": "missing or wrong bearer token"}, [challenge]
        body = self._body(environ)
        if body is None:
            m.requests.labels("413").inc()
            reason = f"body larger than {self.max_body} bytes (ALERT_RECEIVER_MAX_BODY)"
            return 413, {"error": reason}, []  # gunicorn drains or closes the rest
        try:
            notification = parse_webhook(body)
        except PayloadError as e:
            m.requests.labels("400").inc()
            log.warning("rejected webhook from %s: %s", environ.get("REMOTE_ADDR"), e)
            return 400, {"error": str(e)}, []
        # Stored as it came: checked already, and encoding it again would cost the ack time.
        task = NewTask("notify", body.decode(), serial_key=notification.group_id)
        try:
            (task_id,) = self.store.enqueue([task])
        except StoreError as e:
            m.requests.labels("503").inc()
            log.error("cannot store a notification (Alertmanager will retry): %s", e)
            return 503, {"error": "the queue is unavailable; retry"}, []
        m.requests.labels("202").inc()
        m.queued.inc()
        firing = sum(1 for a in notification.alerts if a.firing)
        if firing:
            m.alerts_received.labels("firing").inc(firing)
        if firing < len(notification.alerts):
            m.alerts_received.labels("resolved").inc(len(notification.alerts) - firing)
        m.ack_seconds.observe(time.perf_counter() - t0)
        group, alerts = notification.group_id, len(notification.alerts)
        return 202, {"status": "stored", "id": task_id, "group": group, "alerts": alerts}, []

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The request body, or None when it is over the limit (read no further than that)."""
        stream = environ["wsgi.input"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > self.max_body:
            return None
        if length >= 0:
            return stream.read(length)
        body = stream.read(self.max_body + 1)  # chunked: the server ends the stream
        return None if len(body) > self.max_body else body
