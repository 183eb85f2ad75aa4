"""Delivery end to end in one process: intake -> queue -> Loki/Bedrock fakes -> FakeSlack."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from alert_receiver.model import NewTask
from tests.alert_receiver.payloads import alert, resolved, webhook
from tests.helpers import refused_port

POD = {"namespace": "shop", "pod": "api-7f9", "container": "api"}


def sample(r, name: str, **labels: str) -> float | None:
    return r.metrics.registry.get_sample_value(name, labels)


def everything(message: dict) -> str:
    return json.dumps([message.get("text"), message.get("blocks"), message.get("attachments")])


def blocks_text(message: dict) -> str:
    out = []
    for a in message.get("attachments") or []:
        for b in a["blocks"]:
            out.append((b.get("text") or {}).get("text", ""))
            out += [f.get("text", "") for f in b.get("fields") or []]
            out += [e.get("text", "") for e in b.get("elements") or []]
    return "\n".join(out)


def test_a_warnings_first_post_has_logs_errors_first_then_ai_analysis_is_added(
    receiver_factory, slack, loki, bedrock
):
    now = datetime.now(UTC)
    loki.add(POD, now - timedelta(minutes=3), "GET /health 200")
    loki.add(POD, now - timedelta(minutes=2), "ERROR db: connection refused password=hunter2")
    loki.add(POD, now - timedelta(minutes=1), "GET /health 200 again")
    r = receiver_factory(
        BEDROCK_MODEL_ID="anthropic.claude-3-haiku",
        BEDROCK_ENDPOINT_URL=bedrock.url,
        AWS_REGION="us-east-1",
    )
    assert r.send(webhook(alert(severity="warning", **POD))).status_code == 202
    [message] = r.wait(lambda: slack.posts())
    text = blocks_text(message)
    assert "shop/api-7f9/api ERROR db: connection refused password=[REDACTED]" in text
    assert text.index("connection refused") < text.index("GET /health 200")  # errors first
    assert "hunter2" not in everything(message)
    assert "KST" in text  # Asia/Seoul
    assert r.idle()
    assert "AI analysis" in blocks_text(slack.messages[message["ts"]])
    assert slack.messages[message["ts"]]["updates"] >= 1
    [prompt] = bedrock.prompts
    assert "connection refused" in prompt["user"]
    assert "hunter2" not in prompt["user"]
    assert "alertname=PodCrashLooping" in prompt["user"]


def test_resolution_updates_the_message_and_replies_in_its_thread(receiver, slack):
    a = alert(**POD)
    receiver.send(webhook(a))
    receiver.wait(lambda: slack.posts())
    assert receiver.idle()
    receiver.send(webhook(resolved(a)))
    assert receiver.idle()
    [top] = slack.posts()
    [reply] = slack.posts(thread=True)
    assert reply["thread_ts"] == top["ts"]
    assert "Resolved" in reply["text"]
    assert "PodCrashLooping" in reply["text"]
    assert "RESOLVED" in slack.messages[top["ts"]]["text"]
    assert slack.messages[top["ts"]]["attachments"][0]["color"] == "#2EB67D"
    # A late re-send of the firing state changes nothing.
    receiver.send(webhook(a))
    assert receiver.idle()
    assert len(slack.posts(thread=None)) == 2


def test_resends_and_ha_duplicates_post_once(receiver, slack):
    a, b = alert(pod="a", namespace="shop"), alert(pod="b", namespace="shop")
    for _ in range(3):  # group_interval re-sends and a second Alertmanager replica
        assert receiver.send(webhook(a, b)).status_code == 202
    assert receiver.idle()
    assert len(slack.posts()) == 1
    assert slack.posts(thread=True) == []
    assert sample(receiver, "alert_receiver_alerts_duplicate_total") == 4


def test_a_new_alert_joining_the_group_updates_the_same_message(receiver, slack):
    a, b = alert(pod="a", namespace="shop"), alert(pod="b", namespace="shop")
    receiver.send(webhook(a))
    assert receiver.idle()
    receiver.send(webhook(a, b))
    assert receiver.idle()
    [top] = slack.posts()
    assert "FIRING 2" in slack.messages[top["ts"]]["text"]
    [reply] = slack.posts(thread=True)
    assert "Firing" in reply["text"]
    assert "pod=b" in reply["text"]


def test_a_deleted_message_is_posted_again_and_its_group_is_not_stuck(receiver, slack):
    a, b = alert(pod="a", namespace="shop"), alert(pod="b", namespace="shop")
    receiver.send(webhook(a))
    assert receiver.idle()
    [first] = slack.posts()
    with slack.lock:
        del slack.messages[first["ts"]]  # someone deleted the alert message
    receiver.send(webhook(a, b))
    assert receiver.idle()
    [again] = slack.posts()
    assert again["ts"] != first["ts"]
    assert "FIRING 2" in again["text"]
    [reply] = slack.posts(thread=True)
    assert reply["thread_ts"] == again["ts"]
    receiver.send(webhook(resolved(a), resolved(b)))
    assert receiver.idle()
    assert "RESOLVED" in slack.messages[again["ts"]]["text"]


def test_after_resolution_a_new_firing_starts_a_new_message(receiver, slack):
    a = alert(pod="a", namespace="shop")
    receiver.send(webhook(a))
    assert receiver.idle()
    receiver.send(webhook(resolved(a)))
    assert receiver.idle()
    again = alert(pod="a", namespace="shop", starts=datetime.now(UTC))
    receiver.send(webhook(again))
    assert receiver.idle()
    assert len(slack.posts()) == 2


def test_outside_text_cannot_mention_the_channel_or_forge_links(receiver, slack, loki):
    evil = alert(
        namespace="shop",
        pod="<!channel>",
        annotations={
            "summary": "<!here> wake up",
            "description": "click <https://evil.example|the runbook> & relax",
            "runbook_url": "javascript:alert(1)",
        },
    )
    loki.add(
        {"namespace": "shop", "pod": "<!channel>"}, datetime.now(UTC), "ERROR <!everyone> <@U123>"
    )
    receiver.send(webhook(evil))
    [message] = receiver.wait(lambda: slack.posts())
    raw = everything(message)
    for forbidden in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U123>",
        "<https://evil",
        "javascript:",
    ):
        assert forbidden not in raw.replace("\\u003c", "<")
    assert "&lt;!channel&gt;" in blocks_text(message)
    assert "&amp; relax" in blocks_text(message)


def test_loki_down_is_said_and_the_message_goes_out(receiver_factory, slack):
    r = receiver_factory(LOKI_URL=f"http://127.0.0.1:{refused_port()}")
    r.send(webhook(alert(**POD)))
    [message] = r.wait(lambda: slack.posts())
    assert r.idle()
    assert "Loki unavailable" in blocks_text(slack.messages[message["ts"]])


def test_slow_loki_does_not_delay_the_page_and_its_lines_arrive_by_update(receiver, slack, loki):
    loki.delay = 1.8  # first-post wait is 1 s, Loki timeout 2 s
    loki.add(POD, datetime.now(UTC) - timedelta(minutes=1), "FATAL out of memory")
    t0 = time.monotonic()
    receiver.send(webhook(alert(**POD)))
    [message] = receiver.wait(lambda: slack.posts())
    assert time.monotonic() - t0 < 1.7
    assert "asking Loki" in blocks_text(message)
    assert receiver.idle()
    assert "FATAL out of memory" in blocks_text(slack.messages[message["ts"]])


def test_a_page_does_not_wait_for_loki_and_its_lines_follow_by_update(receiver, slack, loki):
    loki.delay = 0.5  # within the 1 s a warning's first post waits, never for a critical one
    loki.add(POD, datetime.now(UTC) - timedelta(minutes=1), "FATAL out of memory")
    receiver.send(webhook(alert(severity="critical", **POD)))
    [message] = receiver.wait(lambda: slack.posts())
    assert "asking Loki" in blocks_text(message)
    assert receiver.idle()
    assert "FATAL out of memory" in blocks_text(slack.messages[message["ts"]])


def test_without_bedrock_the_summary_says_it_is_not_ai(receiver, slack, prometheus):
    receiver.send(webhook(alert(**POD)))
    [message] = receiver.wait(lambda: slack.posts())
    assert receiver.idle()
    text = blocks_text(slack.messages[message["ts"]])
    assert "rule-based, not AI" in text
    assert "Rule-based summary, not an AI analysis (Bedrock is not configured)" in text
    assert "&gt; 1" in text  # what crossed which threshold, from the rule expression


def test_rule_based_summary_quotes_the_current_value_from_prometheus(
    receiver_factory, slack, prometheus
):
    expr = 'rate(kube_pod_container_status_restarts_total{namespace="shop"}[5m]) * 60'
    prometheus.set(expr, ({"namespace": "shop", "pod": "api-7f9"}, [0.5, 3.0, 2.5]))
    r = receiver_factory(PROMETHEUS_URL=prometheus.url)
    r.send(webhook(alert(**POD)))
    [message] = r.wait(lambda: slack.posts())
    assert r.idle()
    assert "now 2.5, peak 3 (threshold &gt; 1)" in blocks_text(slack.messages[message["ts"]])


def test_bedrock_down_falls_back_to_rules_and_throttling_is_retried(
    receiver_factory, slack, bedrock
):
    env = {
        "BEDROCK_MODEL_ID": "m",
        "BEDROCK_ENDPOINT_URL": bedrock.url,
        "AWS_REGION": "us-east-1",
        "BEDROCK_MAX_ATTEMPTS": "2",
    }
    r = receiver_factory(**env)
    bedrock.fail(times=2)
    r.send(webhook(alert(pod="x", namespace="shop")))
    [first] = r.wait(lambda: slack.posts())
    assert r.idle()
    assert "AI analysis failed" in blocks_text(slack.messages[first["ts"]])
    bedrock.throttle(1)
    r.send(webhook(alert(pod="y", namespace="other"), group="other"))
    r.wait(lambda: len(slack.posts()) == 2)
    assert r.idle(20)
    second = next(m for m in slack.posts() if m["ts"] != first["ts"])
    assert "AI analysis" in blocks_text(slack.messages[second["ts"]])
    assert bedrock.calls == 4


def test_repeat_analysis_of_the_same_alerts_is_answered_from_the_cache(
    receiver_factory, slack, bedrock
):
    r = receiver_factory(
        BEDROCK_MODEL_ID="m", BEDROCK_ENDPOINT_URL=bedrock.url, AWS_REGION="us-east-1"
    )
    r.send(webhook(alert(**POD)))
    assert r.wait(lambda: bedrock.calls == 1)
    assert r.idle()
    # A repeat (an at-least-once duplicate of the analyze step, as after a lease expiry).
    [message] = slack.posts()
    incident = r.store.incident(_group_id(r))
    r.store.enqueue([NewTask("analyze", {"incident": incident.id, "revision": incident.revision})])
    assert r.idle()
    assert bedrock.calls == 1
    assert sample(r, "alert_receiver_analysis_cache_hits_total") == 1
    assert "AI analysis" in blocks_text(slack.messages[message["ts"]])


def _group_id(r) -> str:
    from alert_receiver.payload import parse_webhook

    return parse_webhook(json.dumps(webhook(alert(**POD)))).group_id


def test_slack_429_honours_retry_after_and_500s_are_retried(receiver, slack):
    slack.fail("chat.postMessage", 429, times=1, retry_after=1)
    slack.fail("chat.postMessage", 500, times=6)
    t0 = time.monotonic()
    receiver.send(webhook(alert(**POD)))
    assert receiver.wait(lambda: slack.posts(), timeout=20)
    assert time.monotonic() - t0 >= 1.0
    assert receiver.idle()
    assert len(slack.posts()) == 1
    assert slack.count("chat.postMessage", ok=False) == 7
    assert sample(receiver, "alert_receiver_tasks_retried_total", kind="notify") >= 1


def test_a_lost_slack_answer_does_not_post_twice(receiver, slack):
    slack.fail("chat.postMessage", 500, times=6, after=True)  # posted, but the answer is lost
    receiver.send(webhook(alert(**POD)))
    assert receiver.wait(lambda: slack.count("conversations.history") >= 1, timeout=20)
    assert receiver.idle()
    assert len(slack.posts()) == 1


def test_incoming_webhook_mode_posts_without_updates(receiver_factory, slack):
    r = receiver_factory(SLACK_BOT_TOKEN="", SLACK_CHANNEL="", SLACK_WEBHOOK_URL=slack.webhook_url)
    a = alert(**POD)
    r.send(webhook(a))
    assert r.wait(lambda: slack.webhook_posts)
    assert r.idle()
    r.send(webhook(resolved(a)))
    assert r.idle()
    texts = [p["text"] for p in slack.webhook_posts]
    assert any("FIRING" in t for t in texts)
    assert any("RESOLVED" in t for t in texts)
    assert any("Analysis" in t for t in texts)  # the analysis as its own message
    assert slack.count("chat.update") == 0


def test_sink_mode_writes_json_lines(receiver_factory, tmp_path):
    sink = tmp_path / "slack.jsonl"
    r = receiver_factory(SLACK_BOT_TOKEN="", SLACK_CHANNEL="", SLACK_SINK=str(sink))
    r.send(webhook(alert(**POD)))
    assert r.wait(lambda: sink.exists() and sink.read_text())
    assert r.idle()
    ops = [json.loads(line)["op"] for line in sink.read_text().splitlines()]
    assert ops[0] == "post"
    assert "update" in ops
