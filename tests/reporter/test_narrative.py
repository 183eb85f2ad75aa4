"""The analysis: Bedrock (converse or the report agent) through FakeBedrock, or rules."""

from __future__ import annotations

import json
from dataclasses import replace

from integrations.bedrock import BedrockClient
from reporter.model import LogErrors, LogMessage, Series
from reporter.narrative import facts, rule_summary, write_narrative
from runtime.redact import Redactor
from tests.fakes.bedrock import FakeBedrock
from tests.reporter.sample import sample_report, without


def _client(fake, **kw) -> BedrockClient:
    return BedrockClient(region="us-east-1", endpoint_url=fake.url, max_attempts=1, timeout=5, **kw)


def test_rule_summary_in_korean_and_english():
    data = sample_report()
    ko = rule_summary(data, "ko")
    assert "클러스터 평균 CPU 사용률은 47.5%" in ko
    assert "지난주 대비" in ko
    assert "tcp/orders-db(99.603%, 전체 실패 40분)" in ko
    assert "알림이 9번 발생했고" in ko
    en = rule_summary(data, "en")
    assert "Average cluster CPU usage was 47.5%" in en
    assert "The least available target was tcp/orders-db" in en


def test_rule_summary_says_what_is_missing():
    text = rule_summary(without(sample_report(), "loki"), "ko")
    assert "다음 데이터는 가져오지 못해 요약에서 빠졌습니다: 오류 로그" in text


def test_without_bedrock_the_rules_write_and_say_so():
    n = write_narrative(sample_report(), "ko", None, Redactor())
    assert n.source == "rules"
    assert n.note == "Bedrock이 설정되지 않음"


def test_converse_writes_the_analysis_from_redacted_figures(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    logs = LogErrors(
        1,
        (("api", 1.0),),
        (LogMessage("login token=abc123secret failed", 1, ("api",)),),
        1,
        Series("errors", ()),
    )
    data = replace(sample_report(), logs=logs)
    with FakeBedrock(answer=lambda p: "## 요약\n**안정적**입니다.\n\n- 조치: 없음") as fake:
        client = _client(fake, model_id="anthropic.claude-3-haiku-20240307-v1:0")
        try:
            n = write_narrative(data, "ko", client, Redactor())
        finally:
            client.close()
        [prompt] = fake.prompts
    assert n.source == "bedrock"
    assert n.model == "anthropic.claude-3-haiku-20240307-v1:0"
    assert n.text == "요약\n안정적입니다.\n\n조치: 없음"
    sent = json.dumps(prompt, ensure_ascii=False)
    assert "abc123secret" not in sent
    assert "47.5" in sent
    assert "orders-db" in sent


def test_report_agent_is_used_without_a_model_id(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with FakeBedrock(answer=lambda p: "The agent's analysis.") as fake:
        client = _client(fake, agent_id="REPORTAGENT", agent_alias_id="ALIAS1")
        try:
            n = write_narrative(sample_report(), "en", client, Redactor())
        finally:
            client.close()
    assert (n.source, n.text, n.model) == (
        "bedrock",
        "The agent's analysis.",
        "agent:REPORTAGENT/ALIAS1",
    )


def test_bedrock_failure_falls_back_to_rules_with_the_reason(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with FakeBedrock() as fake:
        fake.throttle(5)
        client = _client(fake, model_id="m")
        try:
            n = write_narrative(sample_report(), "en", client, Redactor())
        finally:
            client.close()
    assert n.source == "rules"
    assert "throttled" in n.note
    assert "Average cluster CPU usage" in n.text


def test_facts_are_plain_json():
    body = facts(sample_report())
    json.dumps(body)
    assert body["key_figures"]["cpu_avg"]["value"] == 47.5
    assert body["probes"][0]["target"] == "tcp/orders-db"
