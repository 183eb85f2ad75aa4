"""The HTTP side: `create_app(settings=None, queue=None, clients=None)`.

    POST /api/v1/alerts      Alertmanager's webhook: token, check, store, 202 (see intake.py)
    GET  /healthz            the process answers
    GET  /readyz             the queue answers (503 otherwise)
    GET  /metrics            Prometheus metrics
    POST /api/v1/analyze     on-demand analysis of the current state (see ondemand.py)

Everything slow (Loki, Bedrock, Slack) happens in the delivery process, so Alertmanager gets its
answer in milliseconds and a slow model never delays a page.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from alert_receiver.clients import Clients
from alert_receiver.intake import Intake, TokenCheck
from alert_receiver.metrics import Metrics, exposition_registry
from alert_receiver.model import NewTask
from alert_receiver.settings import Settings
from alert_receiver.store import open_store
from alert_receiver.store.base import Store, StoreError

log = logging.getLogger(__name__)


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

    def authorized(header: str | None) -> bool:
        return settings.insecure_no_auth or tokens.ok(header)

    @app.post("/api/v1/analyze")
    def analyze():
        from alert_receiver.ondemand import analyze_current_state

        if not authorized(request.headers.get("Authorization")):
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

    # Flask's documented way to put WSGI middleware in front; mypy objects to assigning to a method.
    app.wsgi_app = Intake(  # type: ignore[method-assign]
        app.wsgi_app, store, metrics, authorized, settings.max_body_bytes
    )
    return app
