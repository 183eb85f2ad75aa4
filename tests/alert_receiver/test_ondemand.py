"""POST /api/v1/analyze queues, the delivery process analyses, GET /api/v1/analyze/<id> answers:
firing alerts from a real Alertmanager, metrics, Loki errors, analysis, the Slack post."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from alert_receiver import ondemand
from alert_receiver.ondemand import OnDemandRequest
from tests.alert_receiver.conftest import AUTH
from tests.alert_receiver.daemons import Alertmanager
from tests.alert_receiver.test_e2e import am_alert, post_json


@pytest.mark.integration
def test_analyze_current_state_and_post_it(
    tmp_path, receiver_factory, slack, loki, prometheus, bedrock
):
    (tmp_path / "t").write_text("x")
    am = Alertmanager(tmp_path, "http://127.0.0.1:9/unused", tmp_path / "t")
    try:
        assert post_json(f"{am.url}/api/v2/alerts", [am_alert("ApiDown")]) == 200
        prometheus.set(
            "topk(5, instance:node_cpu_utilisation:rate5m * 100)", ({"instance": "node-1"}, [93.5])
        )
        loki.add(
            {"namespace": "shop", "container": "api"}, datetime.now(UTC), "ERROR boom token=abc123"
        )
        r = receiver_factory(
            ALERTMANAGER_URL=am.url,
            PROMETHEUS_URL=prometheus.url,
            BEDROCK_MODEL_ID="m",
            BEDROCK_ENDPOINT_URL=bedrock.url,
            AWS_REGION="us-east-1",
        )
        queued = r.client.post("/api/v1/analyze", json={"post": True}, headers=AUTH)
        assert queued.status_code == 202, queued.json
        request_id = queued.json["id"]
        assert queued.json == {
            "id": request_id,
            "status": "queued",
            "result_url": f"/api/v1/analyze/{request_id}",
        }
        assert queued.headers["Location"] == f"/api/v1/analyze/{request_id}"
        resp = r.analysis({"post": True})
        assert resp.status_code == 200, resp.json
        body = resp.json
        assert body["status"] == "ok"
        assert body["firing_alerts"] == 1
        assert body["metrics"]["node CPU %"][0]["value"] == 93.5
        assert body["log_errors"][0]["labels"] == {"namespace": "shop", "container": "api"}
        assert body["analysis"]["kind"] == "ai"
        assert body["analysis"]["model"] == "m"
        assert body["posted"] == "queued for Slack"
        prompt = bedrock.prompts[0]["user"]
        assert "ApiDown" in prompt
        assert "node-1=93.5" in prompt
        assert "abc123" not in prompt
        assert r.wait(lambda: len(slack.posts()) == 2)  # both requests asked to post
        assert r.idle()
        assert all("Cluster state analysis" in m["text"] for m in slack.posts())
        first = r.client.get(f"/api/v1/analyze/{request_id}", headers=AUTH)
        assert first.status_code == 200
        assert first.json["id"] == request_id
        assert r.client.post("/api/v1/analyze", headers={}).status_code == 401
        assert r.client.get(f"/api/v1/analyze/{request_id}", headers={}).status_code == 401
    finally:
        am.close()


def test_the_web_only_queues_and_requests_run_one_at_a_time(receiver_factory, prometheus):
    r = receiver_factory(start=False, LOKI_URL="", PROMETHEUS_URL=prometheus.url)
    ids = []
    for body in ({}, {"namespace": "shop", "post": False}):
        resp = r.client.post("/api/v1/analyze", json=body, headers=AUTH)
        assert resp.status_code == 202
        ids.append(resp.json["id"])
    pending = [r.client.get(f"/api/v1/analyze/{i}", headers=AUTH) for i in ids]
    assert [p.status_code for p in pending] == [202, 202]
    assert [p.json["ahead"] for p in pending] == [0, 1]
    assert pending[1].json["status"] == "pending"
    assert prometheus.queries == []  # nothing asked from the web worker
    assert r.store.stats().depth["analysis"] == 2
    r.delivery.start()
    assert r.idle()
    results = [r.client.get(f"/api/v1/analyze/{i}", headers=AUTH).json for i in ids]
    assert [x["id"] for x in results] == ids
    assert results[1]["namespace"] == "shop"
    assert results[0]["analysis"]["kind"] == "rules"
    assert any("ALERTMANAGER_URL" in e for e in results[0]["errors"])
    assert any("LOKI_URL" in e for e in results[0]["errors"])
    assert "posted" not in results[0]
    assert json.dumps(results)  # plain JSON, nothing unserialisable


def test_a_queued_request_outlives_the_process_that_accepted_it(receiver_factory):
    """202 means stored: another receiver on the same queue (after a restart) answers it."""
    accepted = receiver_factory(start=False, LOKI_URL="")
    request_id = accepted.client.post("/api/v1/analyze", headers=AUTH).json["id"]
    accepted.store.close()
    restarted = receiver_factory(ALERT_RECEIVER_DB=accepted.settings.db_path, LOKI_URL="")
    assert restarted.idle()
    resp = restarted.client.get(f"/api/v1/analyze/{request_id}", headers=AUTH)
    assert resp.status_code == 200
    assert resp.json["analysis"]["kind"] == "rules"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([1, 2], "expected a JSON object"),
        ({"namespace": "Shop; drop"}, "namespace: expected a Kubernetes namespace name"),
        ({"namespace": 5}, "namespace: expected a Kubernetes namespace name"),
        ({"post": "yes"}, "post: expected true or false"),
    ],
)
def test_a_bad_request_is_400_and_not_queued(receiver_factory, body, error):
    r = receiver_factory(start=False)
    resp = r.client.post("/api/v1/analyze", json=body, headers=AUTH)
    assert resp.status_code == 400
    assert error in resp.json["error"]
    assert sum(r.store.stats().depth.values()) == 0


def test_an_unknown_id_is_404(receiver_factory):
    r = receiver_factory(start=False)
    for request_id in ("0" * 32, "not-an-id", "../../metrics"):
        resp = r.client.get(f"/api/v1/analyze/{request_id}", headers=AUTH)
        assert resp.status_code == 404
        assert resp.json["status"] == "error"


def test_a_request_from_slack_answers_where_it_was_asked(receiver, slack):
    """The task as a Slack command queues it: in the asking thread, or in the asking channel
    (not SLACK_CHANNEL), and naming the namespace it was about."""
    slack.channels.add("C0ELSEWHERE")
    asked = receiver.clients.slack.post("/bravo analyze shop")
    in_thread = OnDemandRequest(uuid.uuid4().hex, "shop", post=True, thread_ts=asked.ts)
    elsewhere = OnDemandRequest(uuid.uuid4().hex, post=True, channel="C0ELSEWHERE")
    receiver.store.enqueue([in_thread.task(), elsewhere.task()])
    assert receiver.idle()
    [reply] = slack.posts(thread=True)
    assert reply["thread_ts"] == asked.ts
    assert reply["channel"] == "C0ALERTS"
    assert "Cluster state analysis: namespace shop" in reply["text"]
    [other] = [m for m in slack.posts() if m["channel"] == "C0ELSEWHERE"]
    assert other["text"] == "Cluster state analysis"
    answers = [receiver.store.result(r.id) for r in (in_thread, elsewhere)]
    assert [a["posted"] for a in answers] == ["queued for Slack"] * 2


def test_a_post_slack_refuses_is_final_told_to_the_asker_and_holds_nothing_back(receiver, slack):
    """`/bravo analyze` in a channel the bot is not in: Slack answers channel_not_found. The
    request's result says so, the person gets the answer through the command's response_url,
    the next answer is posted behind it at once, and the refusal is counted as op="answer"."""
    refused = OnDemandRequest(
        uuid.uuid4().hex,
        post=True,
        channel="C0NOBOT",
        response_url=slack.response_url("cmd-1"),
    )
    later = OnDemandRequest(uuid.uuid4().hex, post=True, channel="C0ALERTS")
    receiver.store.enqueue([refused.task(), later.task()])
    assert receiver.idle(timeout=10)
    [posted] = slack.posts()
    assert posted["channel"] == "C0ALERTS"
    assert posted["text"] == "Cluster state analysis"
    answer = receiver.client.get(f"/api/v1/analyze/{refused.id}", headers=AUTH).json
    assert answer["posted"].startswith("refused by Slack (channel_not_found)")
    assert "sent to the person who asked" in answer["posted"]
    assert any("channel_not_found" in e for e in answer["errors"])
    [told] = slack.wait_replies("cmd-1")
    assert told["response_type"] == "ephemeral"
    assert "channel_not_found" in told["text"]
    assert "Cluster state analysis" in json.dumps(told["attachments"])
    errors = receiver.metrics.slack_errors
    assert errors.labels("answer", "channel_not_found")._value.get() == 1
    assert errors.labels("post", "channel_not_found")._value.get() == 0
    assert receiver.store.stats().retrying == 0


def test_a_refused_token_keeps_the_answer_queued(receiver, slack):
    """invalid_auth stops every post, the alerts' too: the answer waits with them."""
    slack.token = "xoxb-rotated"
    request = OnDemandRequest(uuid.uuid4().hex, post=True, channel="C0ALERTS")
    receiver.store.enqueue([request.task()])
    assert receiver.wait(
        lambda: receiver.metrics.slack_errors.labels("answer", "invalid_auth")._value.get() >= 2
    )
    assert not slack.replies()
    assert receiver.store.queued_payloads(ondemand.POST_SERIAL_KEY)


def test_a_response_url_on_another_host_is_not_followed(receiver, slack):
    """Only Slack's hosts get the answer: a response_url elsewhere is never called."""
    request = OnDemandRequest(
        uuid.uuid4().hex, post=True, channel="C0NOBOT", response_url="http://localhost:9/x"
    )
    receiver.store.enqueue([request.task()])
    assert receiver.idle()
    answer = receiver.store.result(request.id)
    assert answer["posted"] == "refused by Slack (channel_not_found)"
    assert slack.replies() == []
