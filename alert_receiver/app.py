"""The HTTP side: `create_app(settings=None, queue=None, clients=None)`.

`POST /api/v1/alerts` does as little as it can: check the bearer token (constant time), parse and
validate the webhook, store it durably, answer. Everything slow (Loki, Bedrock, Slack) happens in
the delivery process, so Alertmanager gets its answer in milliseconds and a slow model never
delays a page. 202 means "stored, it will be delivered"; 503 means "not stored, send it again"
(Alertmanager retries 5xx); 400/401/413 are final, with a JSON reason.

    GET  /healthz            the process answers
    GET  /readyz             the queue answers (503 otherwise)
    GET  /metrics            Prometheus metrics
    POST /api/v1/analyze     on-demand analysis of the current state (see ondemand.py)
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from alert_receiver.clients import Clients
from alert_receiver.metrics import Metrics, exposition_registry
from alert_receiver.model import NewTask
from alert_receiver.payload import PayloadError, parse_webhook
from alert_receiver.settings import Settings
from alert_receiver.store import open_store
from alert_receiver.store.base import Store, StoreError

log = logging.getLogger(__name__)


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


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"status": "error", "error": message, **extra}), status


def create_app(
    settings: Settings | None = None,
    queue: Store | None = None,
    clients: Clients | None = None,
    metrics: Metrics | None = None,
) -> Flask:
    settings = settings or Settings()
    if not (settings.token or settings.token_file) and not settings.insecure_no_auth:
        raise ValueError(
            "no ALERT_RECEIVER_TOKEN (or _FILE): refusing to start without authentication; "
            "use --insecure-no-auth for a local demo"
        )
    store = queue if queue is not None else open_store(settings)
    metrics = metrics or Metrics()
    tokens = TokenCheck(settings.token, settings.token_file)
    app = Flask("alert_receiver")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["alert_receiver"] = {"store": store, "metrics": metrics, "clients": clients}
    analyze_lock = threading.Lock()

    def authorized() -> bool:
        return settings.insecure_no_auth or tokens.ok(request.headers.get("Authorization"))

    @app.before_request
    def _start_clock() -> None:
        g.t0 = time.perf_counter()

    @app.post("/api/v1/alerts")
    def alerts():
        if not authorized():
            metrics.requests.labels("401").inc()
            resp, code = _error(401, "missing or wrong bearer token")
            resp.headers["WWW-Authenticate"] = 'Bearer realm="alert-receiver"'
            return resp, code
        body = request.get_data(cache=False)
        try:
            notification = parse_webhook(body)
        except PayloadError as e:
            metrics.requests.labels("400").inc()
            log.warning("rejected webhook from %s: %s", request.remote_addr, e)
            return _error(400, str(e))
        # Stored as it came: checked already, and encoding it again would cost the ack time.
        task = NewTask(
            "notify", body.decode(), serial_key=notification.group_id, created=time.time()
        )
        try:
            (task_id,) = store.enqueue([task])
        except StoreError as e:
            metrics.requests.labels("503").inc()
            log.error("cannot store a notification (Alertmanager will retry): %s", e)
            return _error(503, "the queue is unavailable; retry")
        metrics.requests.labels("202").inc()
        metrics.queued.inc()
        firing = sum(1 for a in notification.alerts if a.firing)
        if firing:
            metrics.alerts_received.labels("firing").inc(firing)
        if firing < len(notification.alerts):
            metrics.alerts_received.labels("resolved").inc(len(notification.alerts) - firing)
        metrics.ack_seconds.observe(time.perf_counter() - g.t0)
        return jsonify(
            {
                "status": "stored",
                "id": task_id,
                "group": notification.group_id,
                "alerts": len(notification.alerts),
            }
        ), 202

    @app.post("/api/v1/analyze")
    def analyze():
        from alert_receiver.ondemand import analyze_current_state

        if not authorized():
            return _error(401, "missing or wrong bearer token")
        if clients is None:
            return _error(503, "on-demand analysis is not set up in this process")
        body = request.get_json(silent=True) if request.data else {}
        if not isinstance(body, dict):
            return _error(400, 'expected a JSON object such as {"post": true}')
        if not analyze_lock.acquire(blocking=False):
            return _error(429, "an analysis is already running; try again shortly")
        try:
            result = analyze_current_state(clients, settings, namespace=body.get("namespace"))
        finally:
            analyze_lock.release()
        if body.get("post"):
            try:
                store.enqueue(
                    [NewTask("message", {"message": result.pop("message")}, serial_key="analyze")]
                )
                result["posted"] = "queued for Slack"
            except StoreError as e:
                result["posted"] = f"not queued: {e}"
        result.pop("message", None)
        return jsonify(result)

    @app.get("/healthz")
    def healthz():
        return Response("ok\n", mimetype="text/plain")

    @app.get("/readyz")
    def readyz():
        try:
            store.ping()
        except StoreError as e:
            return Response(f"queue unavailable: {e}\n", status=503, mimetype="text/plain")
        return Response("ready\n", mimetype="text/plain")

    @app.get("/metrics")
    def prometheus_metrics():
        return Response(
            generate_latest(exposition_registry(metrics, store)), mimetype=CONTENT_TYPE_LATEST
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_e):
        metrics.requests.labels("413").inc()
        return _error(
            413, f"body larger than {settings.max_body_bytes} bytes (ALERT_RECEIVER_MAX_BODY)"
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return _error(e.code or 500, e.description or e.name)

    @app.errorhandler(Exception)
    def internal_error(e: Exception):
        log.exception("error serving %s %s", request.method, request.path)
        return _error(500, "internal error, see the receiver's log")

    return app
