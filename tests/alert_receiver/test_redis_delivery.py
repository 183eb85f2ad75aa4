"""Two receivers (two replicas) sharing one real redis-server: each alert posted once, and an
on-demand analysis queued on one replica answered by the other."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest

from alert_receiver.app import create_app
from alert_receiver.clients import build_clients
from alert_receiver.metrics import Metrics
from alert_receiver.settings import Settings
from alert_receiver.store.redis import RedisStore
from alert_receiver.wiring import build_delivery
from tests.alert_receiver.conftest import AUTH, TOKEN
from tests.alert_receiver.payloads import alert, resolved, webhook
from tests.alert_receiver.test_store import redis_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def redis_settings(url: str, slack, prefix: str, **env: str) -> Settings:
    """A replica's settings: the queue in Redis under `prefix`, Slack at the fake; `env` adds."""
    return Settings.from_env(
        {
            "ALERT_RECEIVER_TOKEN": TOKEN,
            "REDIS_URL": url,
            "REDIS_KEY_PREFIX": prefix,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": "C0ALERTS",
            "SLACK_API_URL": slack.api_url,
            "ALERT_RECEIVER_FIRST_POST_WAIT": "0",
            **env,
        }
    )


@contextlib.contextmanager
def two_replicas(url: str, slack, prefix: str) -> Iterator[list[tuple]]:
    """Two receivers (app + delivery) on one Redis: `(client, delivery, store, clients)` each."""
    settings = redis_settings(url, slack, prefix)
    replicas = []
    for i in range(2):
        store = RedisStore.from_url(url, prefix=prefix)
        clients, metrics = build_clients(settings), Metrics()
        app = create_app(settings, store, clients, metrics)
        delivery = build_delivery(
            settings, store, clients, metrics, recover_prefix=f"r{i}:", poll=0.01
        )
        delivery.start()
        replicas.append((app.test_client(), delivery, store, clients))
    try:
        yield replicas
    finally:
        for _, delivery, store, clients in replicas:
            delivery.stop()
            clients.close()
            store.close()


def idle(replicas: list[tuple]) -> bool:
    return all(sum(s.stats().depth.values()) == 0 for _, _, s, _ in replicas) and all(
        d.running == 0 for _, d, _, _ in replicas
    )


def test_two_replicas_share_the_queue_and_never_post_twice(redis_url, slack):  # noqa: F811
    with two_replicas(redis_url, slack, "replicas") as replicas:
        alerts = [alert(f"A{i}", pod=f"p{i}") for i in range(20)]
        for i, a in enumerate(alerts):
            # Each notification reaches both replicas, as from an Alertmanager HA pair.
            for client, *_ in replicas:
                assert (
                    client.post(
                        "/api/v1/alerts", json=webhook(a, group=f"g{i}"), headers=AUTH
                    ).status_code
                    == 202
                )
        for client, *_ in replicas:
            client.post(
                "/api/v1/alerts", json=webhook(resolved(alerts[0]), group="g0"), headers=AUTH
            )
        deadline = time.monotonic() + 20
        while not (idle(replicas) and len(slack.posts()) >= 20) and time.monotonic() < deadline:
            time.sleep(0.05)
        names = sorted(m["text"].split(": ", 1)[1].split(" ")[0] for m in slack.posts())
        assert names == sorted(f"A{i}" for i in range(20))
        assert len(slack.posts(thread=True)) == 1


def test_an_analysis_queued_on_one_replica_is_answered_by_the_other(redis_url, slack):  # noqa: F811
    with two_replicas(redis_url, slack, "ondemand") as replicas:
        (first, *_), (second, *_) = replicas
        queued = first.post("/api/v1/analyze", json={"post": True}, headers=AUTH)
        assert queued.status_code == 202
        url = queued.json["result_url"]
        deadline = time.monotonic() + 20
        while (resp := second.get(url, headers=AUTH)).status_code == 202:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert resp.status_code == 200, resp.json
        assert resp.json["id"] == queued.json["id"]
        assert resp.json["analysis"]["kind"] == "rules"
        assert resp.json["posted"] == "queued for Slack"
        while not (idle(replicas) and slack.posts()) and time.monotonic() < deadline:
            time.sleep(0.05)
        [post] = slack.posts()
        assert "Cluster state analysis" in post["text"]
        assert second.get("/api/v1/analyze/" + "0" * 32, headers=AUTH).status_code == 404
