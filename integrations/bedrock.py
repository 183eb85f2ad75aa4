"""AWS Bedrock: `converse` on `bedrock-runtime` (primary), or a Bedrock Agent where one exists.

Bedrock Agents ("Agents Classic") are closed to new AWS customers, so `converse` with a model ID
is the path new installations take; the agent path stays for teams that already have an agent
and alias ID from the old system. Credentials come from boto3's default chain (IRSA in the
cluster, the environment elsewhere); `endpoint_url` points the client at a fake in tests.

Retries are ours, not botocore's (its retries are switched off): throttling and 5xx are retried
with exponential backoff and jitter, honoured within one overall deadline, so a caller knows the
longest it can wait. Everything a model is sent should already be redacted (`runtime.redact`).
Bedrock is reached from here only; SES, the other AWS service, from `integrations.ses`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config

from integrations.aws import AwsSettings, aws_errors, aws_session
from integrations.errors import BadResponse, IntegrationError, NotConfigured, RateLimited
from runtime.settings import parse_duration, parse_positive_int, parse_url, setting

SYSTEM = "bedrock"
_TRANSIENT = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "BadGatewayException",
    "DependencyFailedException",
}


@dataclass(frozen=True)
class BedrockSettings(AwsSettings):
    """Bedrock's settings, the same in both apps; the agent IDs are each app's own
    (BEDROCK_ANALYSIS_AGENT_ID for the receiver, BEDROCK_REPORT_AGENT_ID for the reporter)."""

    bedrock_model_id: str = setting("BEDROCK_MODEL_ID", "")
    bedrock_endpoint_url: str = setting("BEDROCK_ENDPOINT_URL", "", parse_url)
    bedrock_timeout: float = setting("BEDROCK_TIMEOUT", 60.0, parse_duration)
    bedrock_max_attempts: int = setting("BEDROCK_MAX_ATTEMPTS", 4, parse_positive_int)
    bedrock_max_tokens: int = setting("BEDROCK_MAX_TOKENS", 1500, parse_positive_int)


def build_bedrock(
    settings: BedrockSettings, agent_id: str = "", agent_alias_id: str = "", **kwargs: Any
) -> BedrockClient | None:
    """The client both apps use, from the same settings; None when neither a model ID nor an
    agent is configured. `kwargs` (a session, timing) are for tests."""
    if not (settings.bedrock_model_id or agent_id):
        return None
    kwargs.setdefault("session", aws_session(settings))
    return BedrockClient(
        region=settings.aws_region or None,
        model_id=settings.bedrock_model_id or None,
        agent_id=agent_id or None,
        agent_alias_id=agent_alias_id or None,
        endpoint_url=settings.bedrock_endpoint_url or None,
        timeout=settings.bedrock_timeout,
        max_attempts=settings.bedrock_max_attempts,
        max_tokens=settings.bedrock_max_tokens,
        **kwargs,
    )


@dataclass(frozen=True)
class Completion:
    text: str
    model: str  # model ID or "agent:<id>/<alias>"
    input_tokens: int | None = None
    output_tokens: int | None = None
    attempts: int = 1


class BedrockClient:
    """`complete(system, prompt)` through converse, or the agent when agent IDs are given and no
    model ID is."""

    def __init__(
        self,
        *,
        region: str | None = None,
        model_id: str | None = None,
        agent_id: str | None = None,
        agent_alias_id: str | None = None,
        endpoint_url: str | None = None,
        timeout: float = 30.0,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_tokens: int = 1024,
        session: boto3.Session | None = None,
        client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not model_id and not (agent_id and agent_alias_id):
            raise NotConfigured(SYSTEM, "set BEDROCK_MODEL_ID, or both agent and alias IDs")
        self.model_id = model_id
        self.agent_id, self.agent_alias_id = agent_id, agent_alias_id
        self.timeout, self.max_attempts, self.backoff = timeout, max(1, max_attempts), backoff
        self.max_tokens = max_tokens
        self._sleep, self._clock = sleep, clock
        config = botocore.config.Config(
            connect_timeout=min(timeout, 10.0),
            read_timeout=timeout,
            retries={"total_max_attempts": 1},
            user_agent_extra="bravo-monitoring-pack",
        )
        service = "bedrock-runtime" if model_id else "bedrock-agent-runtime"
        if client is None:  # a given client (e.g. wrapped in botocore's Stubber) is used as is
            client = (session or boto3.Session()).client(
                service, region_name=region, endpoint_url=endpoint_url, config=config
            )
        self._client = client

    @property
    def label(self) -> str:
        return self.model_id or f"agent:{self.agent_id}/{self.agent_alias_id}"

    def complete(self, system: str, prompt: str, session_id: str = "alert") -> Completion:
        """The model's answer; raises an `IntegrationError` once retries or the deadline run out."""
        deadline = self._clock() + self.timeout * self.max_attempts
        attempt = 0
        while True:
            attempt += 1
            try:
                if self.model_id:
                    return self._converse(system, prompt, attempt)
                return self._agent(system, prompt, session_id, attempt)
            except IntegrationError as e:
                if not e.retryable or attempt >= self.max_attempts:
                    raise
                delay = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)  # noqa: S311
                if isinstance(e, RateLimited) and e.retry_after:
                    delay = max(delay, e.retry_after)
                if self._clock() + delay >= deadline:
                    raise
                self._sleep(delay)

    def _converse(self, system: str, prompt: str, attempt: int) -> Completion:
        with aws_errors(SYSTEM, _TRANSIENT):
            resp = self._client.converse(
                modelId=self.model_id,
                system=[{"text": system}],
                messages=[{"role": "user", "content": [{"text": prompt}]}],
                inferenceConfig={"maxTokens": self.max_tokens, "temperature": 0.2},
            )
        try:
            parts = resp["output"]["message"]["content"]
            text = "".join(p.get("text", "") for p in parts).strip()
        except (KeyError, TypeError) as e:
            raise BadResponse(SYSTEM, f"converse answer without output.message: {e!r}") from e
        if not text:
            raise BadResponse(SYSTEM, f"empty answer (stopReason {resp.get('stopReason')})")
        usage = resp.get("usage") or {}
        return Completion(
            text, self.label, usage.get("inputTokens"), usage.get("outputTokens"), attempt
        )

    def _agent(self, system: str, prompt: str, session_id: str, attempt: int) -> Completion:
        with aws_errors(SYSTEM, _TRANSIENT):
            resp = self._client.invoke_agent(
                agentId=self.agent_id,
                agentAliasId=self.agent_alias_id,
                sessionId=session_id,
                inputText=f"{system}\n\n{prompt}",
            )
            chunks = []
            for event in resp["completion"]:
                if "chunk" in event:
                    chunks.append(event["chunk"].get("bytes", b"").decode("utf-8", "replace"))
        text = "".join(chunks).strip()
        if not text:
            raise BadResponse(SYSTEM, "the agent's answer had no text")
        return Completion(text, self.label, attempts=attempt)

    def close(self) -> None:
        self._client.close()
