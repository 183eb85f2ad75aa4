"""Nothing the receiver sends out carries a secret: each outbound path, end to end.

Secrets ride in where they really do (a log line Loki returns, an alert's annotation and label,
the model's answer), and the site's own pattern (REDACT_EXTRA_PATTERNS) must apply too. Each
path is read where it leaves the pack: every Slack Web API call the fake received (posts and
updates), and every prompt the fake Bedrock was sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.alert_receiver.payloads import alert, webhook
from tests.fakes import FakeBedrock

GITHUB = "ghp_" + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8"
PASSWORD = "Hunter2-Sup3r"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
SLACK_HOOK = "T0A1B2C3D/B0E4F5G6H/abcdefghijklmnopqrstuvwx"
EMPLOYEE = "EMP-204117"  # the site's own pattern
MODEL_LEAK = "sk-proj-" + "Qm7Rt2Lp9Xc4Vb8Nz1" * 3
SECRETS = (GITHUB, PASSWORD, AWS_SECRET, SLACK_HOOK.rsplit("/", 1)[1], EMPLOYEE, MODEL_LEAK)
POD = {"namespace": "shop", "pod": "api-7f9", "container": "api"}


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture
def leaky_bedrock():
    with FakeBedrock(answer=lambda prompt: f"Rotate the key {MODEL_LEAK} now.") as fake:
        yield fake


@pytest.fixture
def leaky_alert(loki):
    now = datetime.now(UTC)
    loki.add(POD, now - timedelta(minutes=2), f"ERROR login failed password={PASSWORD}")
    loki.add(POD, now - timedelta(minutes=1), f"ERROR push with token {GITHUB} for {EMPLOYEE}")
    loki.add(POD, now - timedelta(seconds=30), f"WARN env AWS_SECRET_ACCESS_KEY={AWS_SECRET}")
    return alert(
        annotations={
            "summary": f"Checkout down for {EMPLOYEE}",
            "description": f"dsn postgres://app:{PASSWORD}@db:5432/orders failed; {GITHUB}",
            "runbook_url": "https://git.example.com/runbooks/CheckoutDown.md",
        },
        webhook_url=f"https://hooks.slack.com/services/{SLACK_HOOK}",
        **POD,
    )


def slack_texts(slack, *methods: str) -> list[str]:
    return [json.dumps(c.args, ensure_ascii=False) for c in slack.calls if c.method in methods]


def test_slack_posts_updates_and_the_bedrock_prompt_are_redacted(
    receiver_factory, slack, leaky_bedrock, leaky_alert
):
    r = receiver_factory(
        BEDROCK_MODEL_ID="anthropic.claude-3-haiku",
        BEDROCK_ENDPOINT_URL=leaky_bedrock.url,
        AWS_REGION="us-east-1",
        REDACT_EXTRA_PATTERNS=r"EMP-\d{6}",
        ALERT_RECEIVER_FIRST_POST_WAIT_CRITICAL="1",  # so that the first post has the log lines
    )
    assert r.send(webhook(leaky_alert)).status_code == 202
    assert r.wait(lambda: slack.posts())
    assert r.idle()
    posts = slack_texts(slack, "chat.postMessage")
    updates = slack_texts(slack, "chat.update")
    assert posts
    assert updates
    # the first post: the alert's annotations and label, and the log lines Loki gave
    assert leaked(posts[0]) == []
    assert "password=[REDACTED]" in posts[0]  # the log line, masked where the secret was
    assert "postgres://app:[REDACTED]@db:5432/orders" in posts[0]
    # the updates: the same, and the model's answer (which quoted a key)
    assert all(leaked(u) == [] for u in updates)
    assert "Rotate the key [REDACTED] now." in updates[-1]
    # the prompt: alerts, labels, logs; and the site's pattern too
    [prompt] = leaky_bedrock.prompts
    assert leaked(prompt["user"]) == []
    assert "[REDACTED]" in prompt["user"]


def test_on_demand_analysis_prompt_answer_and_post_are_redacted(
    receiver_factory, slack, leaky_bedrock, prometheus
):
    prometheus.set(
        "topk(5, instance:node_cpu_utilisation:rate5m * 100)",
        ({"instance": f"node-1 {EMPLOYEE}"}, [93.5]),
    )
    r = receiver_factory(
        PROMETHEUS_URL=prometheus.url,
        BEDROCK_MODEL_ID="m",
        BEDROCK_ENDPOINT_URL=leaky_bedrock.url,
        AWS_REGION="us-east-1",
        REDACT_EXTRA_PATTERNS=r"EMP-\d{6}",
    )
    resp = r.analysis({"post": True})  # queued by the web, answered once delivery has run it
    assert resp.status_code == 200, resp.json
    assert leaked(json.dumps(resp.json, ensure_ascii=False)) == []
    assert "Rotate the key [REDACTED] now." in resp.json["analysis"]["text"]
    assert "node-1 [REDACTED]" in json.dumps(resp.json["metrics"])
    [prompt] = leaky_bedrock.prompts
    assert "node-1 [REDACTED]" in prompt["user"]
    assert r.wait(lambda: slack.posts())
    assert r.idle()
    posted = " ".join(slack_texts(slack, "chat.postMessage"))
    assert leaked(posted) == []
    assert "Rotate the key [REDACTED] now." in posted
    # and at rest: the result the store keeps for GET /api/v1/analyze/<id>
    assert leaked(json.dumps(r.store.result(resp.json["id"]), ensure_ascii=False)) == []
