"""Intake: auth, validation, size limit, durable store before 2xx, health and metrics."""

from __future__ import annotations

import json

import pytest

from alert_receiver.app import create_app
from alert_receiver.metrics import Metrics
from alert_receiver.settings import Settings
from alert_receiver.store.base import StoreError
from alert_receiver.store.sqlite import SqliteStore
from tests.alert_receiver.conftest import AUTH, TOKEN
from tests.alert_receiver.payloads import alert, webhook


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "q.db")
    yield s
    s.close()


def app_for(store, **settings):
    return create_app(Settings(**{"token": TOKEN, **settings}), store, None, Metrics())


def test_refuses_to_start_without_a_token_unless_told(store):
    with pytest.raises(ValueError, match="refusing to start"):
        create_app(Settings(), store)
    assert create_app(Settings(insecure_no_auth=True), store)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
def test_webhook_without_the_right_bearer_token_is_401_and_not_stored(store, headers):
    resp = (
        app_for(store).test_client().post("/api/v1/alerts", json=webhook(alert()), headers=headers)
    )
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert sum(store.stats().depth.values()) == 0


def test_accepted_webhook_is_stored_before_the_202(store):
    sent = {**webhook(alert(pod="a"), alert(pod="b")), "fieldOfALaterVersion": {"x": 1}}
    resp = app_for(store).test_client().post("/api/v1/alerts", json=sent, headers=AUTH)
    assert resp.status_code == 202
    assert resp.json["alerts"] == 2
    task = store.claim("slack", "test", 30)
    assert task.kind == "notify"
    assert task.payload == sent  # as Alertmanager sent it, unknown fields included


def test_body_that_is_not_utf8_is_400(store):
    body = json.dumps(webhook(alert(pod="a"))).encode("utf-16")
    resp = (
        app_for(store)
        .test_client()
        .post("/api/v1/alerts", data=body, headers={**AUTH, "Content-Type": "application/json"})
    )
    assert resp.status_code == 400
    assert "not UTF-8" in resp.json["error"]
    assert sum(store.stats().depth.values()) == 0


def test_token_file_is_reread_when_it_changes(store, tmp_path):
    path = tmp_path / "token"
    path.write_text("first\n")
    client = create_app(Settings(token="first", token_file=str(path)), store).test_client()
    ok = client.post(
        "/api/v1/alerts", json=webhook(alert()), headers={"Authorization": "Bearer first"}
    )
    assert ok.status_code == 202
    path.write_text("second\n")
    import os

    os.utime(path, (1, 1))  # a different mtime even within the same second
    old = client.post(
        "/api/v1/alerts", json=webhook(alert()), headers={"Authorization": "Bearer first"}
    )
    new = client.post(
        "/api/v1/alerts", json=webhook(alert()), headers={"Authorization": "Bearer second"}
    )
    assert (old.status_code, new.status_code) == (401, 202)


def test_malformed_payload_is_400_with_the_reason(store):
    client = app_for(store).test_client()
    resp = client.post("/api/v1/alerts", data=b"{not json", headers=AUTH)
    assert resp.status_code == 400
    assert "not JSON" in resp.json["error"]
    bad = webhook(alert())
    bad["alerts"][0]["labels"]["severity"] = ["x"]
    resp = client.post("/api/v1/alerts", data=json.dumps(bad), headers=AUTH)
    assert resp.status_code == 400
    assert resp.json["error"] == "alerts[0].labels.severity: expected a string, got a list"


def test_body_over_the_limit_is_413(store):
    client = app_for(store, max_body_bytes=10_000).test_client()
    big = webhook(*[alert(pod=f"p{i}") for i in range(40)])
    resp = client.post("/api/v1/alerts", data=json.dumps(big), headers=AUTH)
    assert resp.status_code == 413
    assert "ALERT_RECEIVER_MAX_BODY" in resp.json["error"]
    # The default limit takes a large group: 1,000 alerts.
    large = webhook(*[alert(pod=f"p{i}") for i in range(1000)])
    resp = app_for(store).test_client().post("/api/v1/alerts", data=json.dumps(large), headers=AUTH)
    assert resp.status_code == 202


def test_chunked_body_is_read_up_to_the_limit(store):
    """Without a Content-Length (chunked), the body is read to the limit and no further."""
    from werkzeug.test import EnvironBuilder

    app = app_for(store, max_body_bytes=10_000)
    small = json.dumps(webhook(alert(pod="a"))).encode()
    big = json.dumps(webhook(*[alert(pod=f"p{i}") for i in range(40)])).encode()
    for body, status in ((small, "202"), (big, "413")):
        environ = EnvironBuilder(path="/api/v1/alerts", method="POST", headers=AUTH).get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input"] = stream = Chunked(body)
        answered: list[str] = []
        b"".join(app(environ, lambda s, h, answered=answered: answered.append(s)))
        assert answered[0].startswith(status)
        assert stream.given <= 10_001


class Chunked:
    """A request body of unknown length, as a chunked one reaches the app."""

    def __init__(self, body: bytes) -> None:
        self.body, self.given = body, 0

    def read(self, n: int = -1) -> bytes:
        n = len(self.body) - self.given if n < 0 else n
        part = self.body[self.given : self.given + n]
        self.given += len(part)
        return part


def test_other_methods_on_the_webhook_path_are_405(store):
    resp = app_for(store).test_client().get("/api/v1/alerts", headers=AUTH)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "POST"
    assert resp.json["status"] == "error"


def test_store_failure_is_503_so_alertmanager_retries(store):
    store.close()  # every later call raises StoreError
    with pytest.raises(StoreError):
        store.ping()
    client = app_for(store).test_client()
    resp = client.post("/api/v1/alerts", json=webhook(alert()), headers=AUTH)
    assert resp.status_code == 503
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_a_bug_is_a_counted_500_with_a_json_reason(tmp_path, caplog):
    class Broken(SqliteStore):
        def enqueue(self, tasks):
            raise RuntimeError("a bug, not an outage")

    store = Broken(tmp_path / "q.db")
    client = app_for(store).test_client()
    resp = client.post("/api/v1/alerts", json=webhook(alert()), headers=AUTH)
    assert resp.status_code == 500
    assert resp.json == {"status": "error", "error": "internal error, see the receiver's log"}
    assert "a bug, not an outage" in caplog.text
    text = client.get("/metrics").data.decode()
    assert 'alert_receiver_webhook_requests_total{code="500"} 1.0' in text
    store.close()


def test_metrics_count_requests_and_show_queue_depth(store):
    client = app_for(store).test_client()
    client.post("/api/v1/alerts", json=webhook(alert(pod="a")), headers=AUTH)
    client.post("/api/v1/alerts", json=webhook(alert(pod="a")), headers={})
    text = client.get("/metrics").data.decode()
    assert 'alert_receiver_webhook_requests_total{code="202"} 1.0' in text
    assert 'alert_receiver_webhook_requests_total{code="401"} 1.0' in text
    assert 'alert_receiver_alerts_received_total{status="firing"} 1.0' in text
    assert 'alert_receiver_queue_depth{lane="slack"} 1.0' in text
    assert "alert_receiver_ack_duration_seconds_count 1.0" in text
