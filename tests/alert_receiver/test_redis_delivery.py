"""Two receivers (two replicas) sharing one real redis-server: each alert posted once."""

from __future__ import annotations

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


def test_two_replicas_share_the_queue_and_never_post_twice(redis_url, slack):  # noqa: F811
    settings = Settings.from_env(
        {
            "ALERT_RECEIVER_TOKEN": TOKEN,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": "replicas",
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": "C0ALERTS",
            "SLACK_API_URL": slack.api_url,
            "ALERT_RECEIVER_FIRST_POST_WAIT": "0",
        }
    )
    replicas = []
    for i in range(2):
        store = RedisStore.from_url(redis_url, prefix="replicas")
        clients, metrics = build_clients(settings), Metrics()
        app = create_app(settings, store, clients, metrics)
        delivery = build_delivery(
            settings, store, clients, metrics, recover_prefix=f"r{i}:", poll=0.01
        )
        delivery.start()
        replicas.append((app.test_client(), delivery, store, clients))
    try:
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

        def done():
            return all(sum(s.stats().depth.values()) == 0 for _, _, s, _ in replicas) and all(
                d.running == 0 for _, d, _, _ in replicas
            )

        import time

        deadline = time.monotonic() + 20
        while not (done() and len(slack.posts()) >= 20) and time.monotonic() < deadline:
            time.sleep(0.05)
        names = sorted(m["text"].split(": ", 1)[1].split(" ")[0] for m in slack.posts())
        assert names == sorted(f"A{i}" for i in range(20))
        assert len(slack.posts(thread=True)) == 1
    finally:
        for _, delivery, store, clients in replicas:
            delivery.stop()
            clients.close()
            store.close()
