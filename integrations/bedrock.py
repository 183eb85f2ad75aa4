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
import botocore.exceptions

from integrations.errors import (
    BadResponse,
    IntegrationError,
    NotConfigured,
    RateLimited,
    Rejected,
    Timeout,
    Unavailable,
)

SYSTEM = "bedrock"
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "ServiceQuotaExceededException"}
_TRANSIENT = {
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
    "BadGatewayException",
    "DependencyFailedException",
}


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
        with _mapped():
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
        with _mapped():
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


class _mapped:
    """botocore's exceptions -> ours, by kind."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, err: BaseException | None, _tb: object) -> None:
        if err is None:
            return
        if isinstance(err, botocore.exceptions.ClientError):  # includes EventStreamError
            code = err.response.get("Error", {}).get("Code", "")
            msg = err.response.get("Error", {}).get("Message", "") or code
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in _THROTTLED or status == 429:
                raise RateLimited(SYSTEM, f"throttled ({code}): {msg}") from err
            if code in _TRANSIENT or status >= 500:
                raise Unavailable(SYSTEM, f"{code or status}: {msg}") from err
            raise Rejected(SYSTEM, f"{code or status}: {msg}") from err
        if isinstance(
            err, botocore.exceptions.ReadTimeoutError | botocore.exceptions.ConnectTimeoutError
        ):
            raise Timeout(SYSTEM, f"no answer in time: {err}") from err
        if isinstance(err, botocore.exceptions.NoCredentialsError):
            raise Rejected(SYSTEM, "no AWS credentials found") from err
        if isinstance(err, botocore.exceptions.BotoCoreError):
            raise Unavailable(SYSTEM, str(err)) from err
