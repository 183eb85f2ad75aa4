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

from demo.configs import Fallback, alertmanager_config, prometheus_config
from demo.smtp_sink import SmtpSink
from tests.alert_receiver.daemons import ReceiverProcess
from tests.alert_receiver.payloads import alert, webhook
from tests.e2e.test_alert_loop import Heartbeat, daemon, query, wait_for
from tests.fakes import FakeSlack
from tests.helpers import free_port, require_binary, stop, wait_http

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

TOKEN = "pack-watch-webhook-token"
PAGE_WITHIN = 150.0  # 2 s scrape + 2 s evaluation + for 1m + group_wait 10s, with a 2-core margin


def send(receiver_url: str, payload: dict[str, Any]) -> int:
    req = urllib.request.Request(
        f"{receiver_url}/api/v1/alerts",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status


@pytest.fixture
def stack(tmp_path) -> Iterator[dict[str, Any]]:
    prometheus_bin = require_binary("prometheus")
    alertmanager_bin = require_binary("prometheus-alertmanager")
    slack, fallback_slack, heartbeat, smtp = FakeSlack(), FakeSlack(), Heartbeat(), SmtpSink()
    procs = []
    receiver = None
    try:
        token_file = tmp_path / "receiver-token"
        token_file.write_text(TOKEN + "\n")
        receiver = ReceiverProcess(
            {
                "ALERT_RECEIVER_TOKEN_FILE": str(token_file),
                "ALERT_RECEIVER_DB": str(tmp_path / "receiver.db"),
                "SLACK_BOT_TOKEN": "xoxb-revoked",  # FakeSlack answers invalid_auth
                "SLACK_CHANNEL": "C0ALERTS",
                "SLACK_API_URL": slack.api_url,
                "ALERT_RECEIVER_RETRY_MAX_DELAY": "5",
                "REPORT_LANGUAGE": "en",
                "BEDROCK_MODEL_ID": "",
                "BEDROCK_ANALYSIS_AGENT_ID": "",
            }
        )
        url_file, password_file = tmp_path / "fallback-url", tmp_path / "smtp-password"
        url_file.write_text(fallback_slack.webhook_url + "\n")
        password_file.write_text("smtp-s3cret\n")
        am_port, prom_port = free_port(), free_port()
        (tmp_path / "alertmanager.yml").write_text(
            alertmanager_config(
                f"{receiver.url}/api/v1/alerts",
                token_file,
                heartbeat.url,
                Fallback(url_file, smtp.address, password_file),
            )
        )
        procs.append(
            daemon(
                [
                    alertmanager_bin,
                    f"--config.file={tmp_path / 'alertmanager.yml'}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                ],
                tmp_path / "alertmanager.log",
            )
        )
        (tmp_path / "prometheus.yml").write_text(
            prometheus_config(
                f"127.0.0.1:{free_port()}",  # no exporter in this test
                receiver.url.removeprefix("http://"),
                f"127.0.0.1:{am_port}",
                node="e2e",
                receiver_interval="2s",
                evaluation_interval="2s",
            )
        )
        procs.append(
            daemon(
                [
                    prometheus_bin,
                    f"--config.file={tmp_path / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                ],
                tmp_path / "prometheus.log",
            )
        )
        wait_http(f"http://127.0.0.1:{am_port}/-/ready")
        wait_http(f"http://127.0.0.1:{prom_port}/-/ready")
        yield {
            "receiver": receiver,
            "slack": slack,
            "fallback": fallback_slack,
            "smtp": smtp,
            "prometheus": f"http://127.0.0.1:{prom_port}",
        }
    finally:
        for proc in reversed(procs):
            stop(proc)
        if receiver is not None:
            receiver.terminate()
        for fake in (slack, fallback_slack, heartbeat):
            fake.close()
        smtp.close()


def fallback_posts(fallback: FakeSlack) -> list[dict]:
    with fallback.lock:
        posts = list(fallback.webhook_posts)
    return [p for p in posts if "AlertReceiverSlackRejected" in json.dumps(p)]


def test_a_revoked_slack_token_pages_through_the_fallback_receiver(stack, record_property):
    receiver, slack, fallback, smtp = (
        stack["receiver"],
        stack["slack"],
        stack["fallback"],
        stack["smtp"],
    )
    prom = stack["prometheus"]
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
    received = query(prom, "sum(alert_receiver_notifications_queued_total)")
    assert float(received[0]["value"][1]) == sent
