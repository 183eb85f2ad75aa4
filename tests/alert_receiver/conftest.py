from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from flask.testing import FlaskClient

from alert_receiver.app import create_app
from alert_receiver.clients import Clients, build_clients
from alert_receiver.delivery import Delivery
from alert_receiver.metrics import Metrics
from alert_receiver.settings import Settings
from alert_receiver.store.sqlite import SqliteStore
from alert_receiver.wiring import build_delivery
from tests.fakes import FakeBedrock, FakeLoki, FakePrometheus, FakeSlack

TOKEN = "s3cret-webhook-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def boto_session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="AKIDFAKE", aws_secret_access_key="fake", region_name="us-east-1"
    )


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def loki() -> Iterator[FakeLoki]:
    with FakeLoki() as fake:
        yield fake


@pytest.fixture
def bedrock() -> Iterator[FakeBedrock]:
    with FakeBedrock() as fake:
        yield fake


@pytest.fixture
def prometheus() -> Iterator[FakePrometheus]:
    with FakePrometheus() as fake:
        yield fake


@dataclass
class Receiver:
    """The app and the delivery engine in one process, wired to fakes by URL."""

    settings: Settings
    store: SqliteStore
    clients: Clients
    metrics: Metrics
    client: FlaskClient
    delivery: Delivery

    def send(self, payload: dict[str, Any]) -> Any:
        return self.client.post("/api/v1/alerts", json=payload, headers=AUTH)

    def wait(self, what: Callable[[], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = what()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.02)

    def analysis(self, body: dict[str, Any] | None = None, timeout: float = 15.0) -> Any:
        """`POST /api/v1/analyze`, then `GET` its `result_url` until it is no longer pending:
        the last answer (200 with the result, or whatever else it became)."""
        queued = self.client.post("/api/v1/analyze", json=body or {}, headers=AUTH)
        assert queued.status_code == 202, queued.json
        url = queued.json["result_url"]
        deadline = time.monotonic() + timeout
        while True:
            answer = self.client.get(url, headers=AUTH)
            if answer.status_code != 202 or time.monotonic() > deadline:
                return answer
            time.sleep(0.05)

    def idle(self, timeout: float = 15.0) -> bool:
        return self.wait(
            lambda: sum(self.store.stats().depth.values()) == 0 and self.delivery.running == 0,
            timeout,
        )


@pytest.fixture
def receiver_factory(tmp_path, slack, loki) -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(start: bool = True, **env: str) -> Receiver:
        base = {
            "ALERT_RECEIVER_TOKEN": TOKEN,
            "ALERT_RECEIVER_DB": str(tmp_path / f"queue{len(made)}.db"),
            "ALERT_RECEIVER_DB_SYNC": "NORMAL",
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": "C0ALERTS",
            "SLACK_API_URL": slack.api_url,
            "SLACK_TIMEOUT": "5",
            "LOKI_URL": loki.url,
            "LOKI_TIMEOUT": "2",
            "ALERT_RECEIVER_FIRST_POST_WAIT": "1",
            "ALERT_RECEIVER_RETRY_MAX_DELAY": "1",
            "REPORT_LANGUAGE": "en",
        }
        settings = Settings.from_env({**base, **env})
        store = SqliteStore(settings.db_path, synchronous="NORMAL")
        # Fast backoff for tests; Slack's Retry-After is still honoured as sent.
        fast = {} if settings.slack_mode == "sink" else {"backoff": 0.05}
        clients = build_clients(settings, boto_session=boto_session(), slack_options=fast)
        metrics = Metrics()
        app = create_app(settings, store, clients, metrics)
        delivery = build_delivery(
            settings, store, clients, metrics, recover_prefix="", poll=0.01, retry_base=0.05
        )
        r = Receiver(settings, store, clients, metrics, app.test_client(), delivery)
        made.append(r)
        if start:
            delivery.start()
        return r

    yield make
    for r in made:
        r.delivery.stop()
        r.clients.close()
        r.store.close()


@pytest.fixture
def receiver(receiver_factory) -> Receiver:
    return receiver_factory()
