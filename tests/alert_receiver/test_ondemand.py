"""POST /api/v1/analyze: firing alerts from a real Alertmanager, metrics, Loki errors, analysis."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.alert_receiver.conftest import AUTH
from tests.alert_receiver.daemons import Alertmanager
from tests.alert_receiver.test_e2e import am_alert, post_json

pytestmark = pytest.mark.integration


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
        resp = r.client.post("/api/v1/analyze", json={"post": True}, headers=AUTH)
        assert resp.status_code == 200, resp.json
        body = resp.json
        assert body["firing_alerts"] == 1
        assert body["metrics"]["node CPU %"][0]["value"] == 93.5
        assert body["log_errors"][0]["labels"] == {"namespace": "shop", "container": "api"}
        assert body["analysis"]["kind"] == "ai"
        assert body["posted"] == "queued for Slack"
        prompt = bedrock.prompts[0]["user"]
        assert "ApiDown" in prompt
        assert "node-1=93.5" in prompt
        assert "abc123" not in prompt
        assert r.wait(lambda: slack.posts())
        assert "Cluster state analysis" in slack.posts()[0]["text"]
        assert r.client.post("/api/v1/analyze", headers={}).status_code == 401
    finally:
        am.close()


def test_analyze_without_sources_says_what_is_missing(receiver_factory):
    r = receiver_factory(start=False, LOKI_URL="")
    body = r.client.post("/api/v1/analyze", headers=AUTH).json
    assert body["analysis"]["kind"] == "rules"
    assert any("ALERTMANAGER_URL" in e for e in body["errors"])
    assert json.dumps(body)  # plain JSON, nothing unserialisable
