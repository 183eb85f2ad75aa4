"""The pack pages around itself: Slack refuses alert-receiver's token while webhooks keep coming.

    webhooks ──► alert-receiver (CLI) ──► FakeSlack: `invalid_auth` to every Web API call
                      │ /metrics: alert_receiver_slack_errors_total{reason="invalid_auth"}
                      ▼
    Prometheus (the generated rules, unchanged) ──► Alertmanager (the shipped config)
        ──► pack-fallback: a second Slack incoming webhook (FakeSlack) and e-mail (SMTP sink)

Real Prometheus and Alertmanager; Slack is a fake, the mail server demo/smtp_sink.py. The rules
keep their shipped `for` (1m for AlertReceiverSlackRejected) and the route its `group_wait`;
only Prometheus scrapes the receiver and evaluates more often than a cluster would (2 s), to
keep the test short. Nothing of the receiver is patched: its token is simply wrong.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.alert_receiver.payloads import alert, webhook
from tests.e2e.pack_stack import TOKEN, PackStack, pack_stack
from tests.e2e.stack import query, wait_for
from tests.fakes import FakeSlack

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

PAGE_WITHIN = 180.0  # 2 s scrape + 2 s evaluation + for 1m + group_wait 10s: ~80 s, and a margin


def send(receiver_url: str, payload: dict[str, Any]) -> int:
    req = urllib.request.Request(
        f"{receiver_url}/api/v1/alerts",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status


@pytest.fixture
def stack(tmp_path) -> Iterator[PackStack]:
    with pack_stack(tmp_path) as running:
        yield running


def fallback_posts(fallback: FakeSlack) -> list[dict]:
    with fallback.lock:
        posts = list(fallback.webhook_posts)
    return [p for p in posts if "AlertReceiverSlackRejected" in json.dumps(p)]


def test_a_revoked_slack_token_pages_through_the_fallback_receiver(stack, record_property):
    receiver, slack, fallback, smtp = stack.receiver, stack.slack, stack.fallback, stack.smtp
    prom = stack.prometheus
    t0 = time.monotonic()
    sent = 0

    def keep_sending() -> list[dict]:
        nonlocal sent
        # Alertmanager keeps delivering to the receiver, which keeps answering 202.
        if sent < 1 + (time.monotonic() - t0) / 5:
            assert send(receiver.url, webhook(alert(f"DiskFull{sent}", pod=f"db-{sent}"))) == 202
            sent += 1
        return fallback_posts(fallback)

    posts = wait_for(keep_sending, PAGE_WITHIN, step=0.5)
    paged_after = time.monotonic() - t0
    record_property("fallback_page_seconds", round(paged_after, 1))
    assert posts, "AlertReceiverSlackRejected never reached the fallback webhook"

    # Prometheus saw the reason; alert-receiver's own Slack got nothing through.
    firing = query(prom, 'ALERTS{alertname="AlertReceiverSlackRejected", alertstate="firing"}')
    assert [a["metric"]["reason"] for a in firing] == ["invalid_auth"]
    assert slack.posts() == []
    assert slack.count("chat.postMessage", ok=False) >= 1
    # The Slack fallback says what is wrong, escaped, and links the runbook.
    (attachment,) = posts[0]["attachments"]
    assert "AlertReceiverSlackRejected" in attachment["title"]
    assert "invalid_auth" in attachment["text"]
    assert "runbooks/AlertReceiverSlackRejected.md" in attachment["text"]
    assert attachment["fallback"] == "[FIRING] AlertReceiverSlackRejected"  # ours, escaped

    # And the e-mail went out too, with the password from its file.
    mails = wait_for(
        lambda: [m for m in smtp.mails if "AlertReceiverSlackRejected" in m.message["Subject"]],
        30,
    )
    assert mails, "no e-mail for AlertReceiverSlackRejected"
    assert mails[0].recipients == ["oncall@example.com"]
    assert mails[0].auth  # Alertmanager logged in (auth_password_file)

    # Nothing answered 202 was lost: every webhook waits in the queue for a working token.
    depth = query(prom, 'sum(alert_receiver_queue_depth{lane="slack"})')
    assert depth
    assert float(depth[0]["value"][1]) >= 1

    def queued() -> float:  # the next scrape may not have seen the last webhook yet
        found = query(prom, "sum(alert_receiver_notifications_queued_total)")
        return float(found[0]["value"][1]) if found else -1.0

    assert wait_for(lambda: queued() == sent, 15, step=0.5), (queued(), sent)
