"""The real thing: Debian's Alertmanager fires into `alert-receiver` (gunicorn + delivery
process), which posts to FakeSlack; and kill -9 of the whole receiver mid-delivery."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from tests.alert_receiver.conftest import TOKEN
from tests.alert_receiver.daemons import Alertmanager, ReceiverProcess
from tests.alert_receiver.payloads import alert, webhook

pytestmark = pytest.mark.integration


def base_env(tmp_path, slack) -> dict[str, str]:
    return {
        "ALERT_RECEIVER_TOKEN": TOKEN,
        "ALERT_RECEIVER_DB": str(tmp_path / "queue.db"),
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_CHANNEL": "C0ALERTS",
        "SLACK_API_URL": slack.api_url,
        "ALERT_RECEIVER_FIRST_POST_WAIT": "0.2",
        "ALERT_RECEIVER_RETRY_MAX_DELAY": "1",
    }


def post_json(url: str, body: object, token: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        e.close()
        return e.code


def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def am_alert(name: str, ends: datetime | None = None) -> dict:
    a = {
        "labels": {"alertname": name, "severity": "critical", "namespace": "shop", "pod": "api-1"},
        "annotations": {"summary": "api is down", "description": "<!channel> api-1 is down"},
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
    }
    if ends:
        a["endsAt"] = ends.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return a


def test_alertmanager_fires_and_resolves_through_the_receiver(tmp_path, slack):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    receiver = ReceiverProcess(base_env(tmp_path, slack))
    am = Alertmanager(tmp_path, f"{receiver.url}/api/v1/alerts", token_file)
    try:
        assert post_json(f"{am.url}/api/v2/alerts", [am_alert("ApiDown")]) == 200
        [top] = wait_for(lambda: slack.posts())
        assert "FIRING 1: ApiDown" in top["text"]
        assert "&lt;!channel&gt;" in json.dumps(top["attachments"])
        ended = datetime.now(UTC) - timedelta(seconds=1)
        assert post_json(f"{am.url}/api/v2/alerts", [am_alert("ApiDown", ends=ended)]) == 200
        assert wait_for(lambda: slack.posts(thread=True))
        assert wait_for(lambda: "RESOLVED" in slack.messages[top["ts"]]["text"])
        assert len(slack.posts()) == 1  # re-sends after group_interval never post again
        with urllib.request.urlopen(f"{receiver.url}/metrics", timeout=5) as resp:
            metrics = resp.read().decode()
        assert 'alert_receiver_alerts_delivered_total{status="resolved"} 1.0' in metrics
        assert 'alert_receiver_webhook_requests_total{code="202"}' in metrics
    finally:
        am.close()
        assert receiver.terminate() == 0


def test_unauthenticated_webhook_is_refused_by_the_real_server(tmp_path, slack):
    receiver = ReceiverProcess(base_env(tmp_path, slack))
    try:
        assert post_json(f"{receiver.url}/api/v1/alerts", webhook(alert())) == 401
        assert post_json(f"{receiver.url}/api/v1/alerts", webhook(alert()), TOKEN) == 202
    finally:
        receiver.terminate()


def test_kill_9_mid_delivery_loses_and_doubles_nothing(tmp_path, slack):
    slack.delay = 0.03  # each Slack call takes a while, so the kill lands mid-delivery
    env = base_env(tmp_path, slack)
    receiver = ReceiverProcess(env)
    groups = 40
    for i in range(groups):
        payload = webhook(*[alert(f"Crash{i:03d}", pod=f"p{j}") for j in range(3)], group=f"g{i}")
        assert post_json(f"{receiver.url}/api/v1/alerts", payload, TOKEN) == 202
    wait_for(lambda: len(slack.posts()) >= 8)
    receiver.kill()
    at_kill = len(slack.posts())
    assert at_kill < groups, "the kill came too late to test anything"
    receiver = ReceiverProcess(env)
    try:
        assert wait_for(lambda: len(slack.posts()) >= groups, timeout=60)
        time.sleep(1.0)  # anything doubled would show up now
        names = [m["text"].split(": ", 1)[1].split(" ")[0] for m in slack.posts()]
        assert sorted(names) == [f"Crash{i:03d}" for i in range(groups)]
    finally:
        receiver.terminate()


def call(url: str, body: object | None = None) -> tuple[int, dict]:
    """A JSON request with the bearer token: POST when there is a body, else GET."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    req = urllib.request.Request(url, data, headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.load(e)


def test_on_demand_analysis_is_queued_by_the_web_and_run_by_delivery(tmp_path, slack):
    """gunicorn's worker stores the request; the delivery process runs it and posts it."""
    receiver = ReceiverProcess(base_env(tmp_path, slack))
    try:
        status, queued = call(f"{receiver.url}/api/v1/analyze", {"post": True})
        assert status == 202, queued
        url = receiver.url + queued["result_url"]
        status, result = wait_for(lambda: (answer := call(url))[0] != 202 and answer)
        assert status == 200, result
        assert result["id"] == queued["id"]
        assert result["analysis"]["kind"] == "rules"
        assert result["posted"] == "queued for Slack"
        [post] = wait_for(lambda: slack.posts())
        assert "Cluster state analysis" in post["text"]
        assert call(f"{receiver.url}/api/v1/analyze/{'0' * 32}")[0] == 404
    finally:
        assert receiver.terminate() == 0
