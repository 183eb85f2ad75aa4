"""The HTTP side: `create_app(settings=None, queue=None, clients=None)`.

    POST /api/v1/alerts         Alertmanager's webhook: token, check, store, 202 (see intake.py)
    GET  /healthz               the process answers
    GET  /readyz                the queue answers (503 otherwise)
    GET  /metrics               Prometheus metrics
    POST /api/v1/analyze        queue an on-demand analysis of the current state: 202 and its id
    GET  /api/v1/analyze/<id>   its result: 202 while it runs, 200 when done (see ondemand.py)
    POST /slack/events          Slack's buttons and /bravo, signed (only with SLACK_SIGNING_SECRET;
                                see slack_events.py)

Everything slow (Alertmanager's API, Prometheus, Loki, Bedrock, Slack) happens in the delivery
process, so Alertmanager gets its answer in milliseconds, a slow model never delays a page, and
the web workers reach no outside system: they check, store and read back.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from alert_receiver import ondemand
from alert_receiver.clients import Clients
from alert_receiver.intake import Intake, TokenCheck
from alert_receiver.metrics import Metrics, exposition_registry
from alert_receiver.settings import Settings
from alert_receiver.slack_dispatch import Dispatcher
from alert_receiver.slack_events import add_slack_events
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
    dispatcher: Dispatcher | None = None,
) -> Flask:
    """The web side. No route calls an outside system: `clients` is only kept in
    `app.extensions`, for a process that hosts delivery too (the tests); serve.py passes none.
    The exception is Slack over HTTP (`SLACK_SIGNING_SECRET`): its actions run in this worker,
    on `dispatcher`'s threads (built from the settings when not given), after the 200."""
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

    def authorized(header: str | None) -> bool:
        return settings.insecure_no_auth or tokens.ok(header)

    @app.post("/api/v1/analyze")
    def analyze() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
        if not authorized(request.headers.get("Authorization")):
            return _error(401, "missing or wrong bearer token")
        body = request.get_json(silent=True) if request.data else {}
        try:
            wanted = ondemand.OnDemandRequest.from_body(body)
        except ValueError as e:
            return _error(400, str(e))
        try:
            store.enqueue([wanted.task()])  # durable before the 202, like a webhook
        except StoreError as e:
            log.error("on-demand analysis not queued: %s", e)
            return _error(503, f"not queued, try again: {e}")
        url = f"/api/v1/analyze/{wanted.id}"
        return (
            jsonify({"id": wanted.id, "status": "queued", "result_url": url}),
            202,
            {"Location": url},
        )

    @app.get("/api/v1/analyze/<request_id>")
    def analyze_result(request_id: str) -> tuple[Response, int]:
        if not authorized(request.headers.get("Authorization")):
            return _error(401, "missing or wrong bearer token")
        if not ondemand.valid_id(request_id):
            return _error(404, "no such analysis")
        try:
            found = ondemand.lookup(store, request_id)
        except StoreError as e:
            return _error(503, f"queue unavailable: {e}")
        if found.state == "done":
            return jsonify(found.result), 200
        if found.state == "pending":
            url = f"/api/v1/analyze/{request_id}"
            body = {"id": request_id, "status": "pending", "ahead": found.ahead, "result_url": url}
            return jsonify(body), 202
        hours = ondemand.RESULT_TTL / 3600
        return _error(404, f"no such analysis (a result is kept for {hours:g}h)")

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

    if "http" in settings.slack_actions:
        if dispatcher is None:  # Slack over HTTP: this worker answers the buttons it is sent
            from alert_receiver.clients import build_clients
            from alert_receiver.slack_wiring import build_dispatcher

            clients = clients or build_clients(settings)
            dispatcher = build_dispatcher(settings, store, clients, metrics)
        add_slack_events(app, settings.slack_signing_secret, dispatcher)

    # Flask's documented way to put WSGI middleware in front; mypy objects to assigning to a method.
    app.wsgi_app = Intake(  # type: ignore[method-assign]
        app.wsgi_app, store, metrics, authorized, settings.max_body_bytes
    )
    return app
