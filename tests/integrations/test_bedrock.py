"""integrations.bedrock: real botocore against FakeBedrock (endpoint_url), and Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from integrations.bedrock import BedrockClient
from integrations.errors import NotConfigured, RateLimited, Rejected, Unavailable
from tests.fakes import FakeBedrock


def session():
    return boto3.Session(
        aws_access_key_id="AKIDFAKE", aws_secret_access_key="x", region_name="us-east-1"
    )


def make(fake, **kw):
    sleeps: list[float] = []
    c = BedrockClient(
        model_id=kw.pop("model_id", "anthropic.claude-3-haiku"),
        endpoint_url=fake.url,
        session=session(),
        sleep=sleeps.append,
        timeout=5,
        **kw,
    )
    return c, sleeps


def test_converse_sends_system_and_prompt():
    with FakeBedrock(answer=lambda p: f"cause: {p[:5]}") as fake:
        c, _ = make(fake)
        answer = c.complete("be brief", "hello world")
        c.close()
    assert answer.text == "cause: hello"
    assert fake.prompts == [
        {"model": "anthropic.claude-3-haiku", "system": "be brief", "user": "hello world"}
    ]


def test_throttling_is_retried_with_backoff_then_gives_up():
    with FakeBedrock() as fake:
        c, sleeps = make(fake, max_attempts=3, backoff=1.0)
        fake.throttle(2)
        assert c.complete("s", "p").attempts == 3
        assert 0.5 <= sleeps[0] <= 1.0
        assert 1.0 <= sleeps[1] <= 2.0
        fake.throttle(3)
        with pytest.raises(RateLimited):
            c.complete("s", "p")
        fake.fail(times=3)
        with pytest.raises(Unavailable):
            c.complete("s", "p")
        c.close()


def test_agent_streams_chunks_through_the_event_stream():
    long_answer = "The agent says: " + "x" * 150
    with FakeBedrock(answer=lambda p: long_answer) as fake:
        c = BedrockClient(
            agent_id="AGENT1", agent_alias_id="ALIAS1", endpoint_url=fake.url, session=session()
        )
        answer = c.complete("sys", "prompt", session_id="s-1")
        c.close()
    assert answer.text == long_answer
    assert answer.model == "agent:AGENT1/ALIAS1"
    assert fake.prompts[0]["user"] == "sys\n\nprompt"


def test_needs_a_model_or_an_agent():
    with pytest.raises(NotConfigured):
        BedrockClient(session=session())


def test_stubber_access_denied_is_rejected_not_retried():
    boto_client = session().client("bedrock-runtime")
    c = BedrockClient(model_id="m", client=boto_client, max_attempts=3)
    with Stubber(boto_client) as stub:
        stub.add_client_error("converse", "AccessDeniedException", "no", 403)
        with pytest.raises(Rejected, match="AccessDenied"):
            c.complete("s", "p")
        stub.assert_no_pending_responses()
        stub.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": [{"text": "fine"}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
                "metrics": {"latencyMs": 5},
            },
            {
                "modelId": "m",
                "system": [{"text": "s"}],
                "messages": [{"role": "user", "content": [{"text": "p"}]}],
                "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
            },
        )
        assert c.complete("s", "p").text == "fine"  # the request shape botocore validates
    c.close()
