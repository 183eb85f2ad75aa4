"""FakeBedrock: `bedrock-runtime` Converse and `bedrock-agent-runtime` InvokeAgent over HTTP.

boto3 reaches it through `endpoint_url`, signs its requests and parses its answers exactly as it
would AWS's: Converse answers rest-JSON, errors carry `x-amzn-ErrorType` (429
ThrottlingException, 500 InternalServerException), and InvokeAgent streams
`application/vnd.amazon.eventstream` frames with `chunk` events, CRCs and all.

    bedrock = FakeBedrock(answer=lambda prompt: "Likely cause: ...")
    bedrock.throttle(2)          # the next two calls are throttled
    bedrock.prompts              # what the model was sent (system + user text)
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import time
import urllib.parse
from collections.abc import Callable

from tests.fakes.http import FakeServer, Reply, Request, json_reply


def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return struct.pack("!B", len(n)) + n + struct.pack("!BH", 7, len(v)) + v


def eventstream_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event stream frame: prelude, prelude CRC, headers, payload, message CRC."""
    head = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack("!II", total, len(head))
    prelude += struct.pack("!I", binascii.crc32(prelude))
    body = prelude + head + payload
    return body + struct.pack("!I", binascii.crc32(body))


class FakeBedrock(FakeServer):
    def __init__(self, answer: Callable[[str], str] | None = None, delay: float = 0.0) -> None:
        self.answer = answer or (
            lambda prompt: f"Likely cause: the fake model read {len(prompt)} chars."
        )
        self.delay = delay
        self.prompts: list[dict[str, str]] = []
        self.calls = 0
        self._errors: list[tuple[int, str]] = []
        super().__init__()

    def throttle(self, times: int = 1) -> None:
        with self.lock:
            self._errors += [(429, "ThrottlingException")] * times

    def fail(
        self, times: int = 1, status: int = 500, code: str = "InternalServerException"
    ) -> None:
        with self.lock:
            self._errors += [(status, code)] * times

    def handle(self, req: Request) -> Reply:
        if not req.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
            return json_reply(
                403,
                {"message": "Missing Authentication Token"},
                {"x-amzn-ErrorType": "AccessDeniedException"},
            )
        with self.lock:
            self.calls += 1
            error = self._errors.pop(0) if self._errors else None
        if error:
            status, code = error
            return json_reply(status, {"message": f"fake {code}"}, {"x-amzn-ErrorType": f"{code}:"})
        if self.delay:
            time.sleep(self.delay)
        parts = [urllib.parse.unquote(p) for p in req.path.split("/")]
        if len(parts) == 4 and parts[1] == "model" and parts[3] == "converse":
            return self._converse(parts[2], req.json())
        if len(parts) == 8 and parts[1] == "agents" and parts[7] == "text":
            return self._agent(parts[2], parts[4], parts[6], req.json())
        return json_reply(
            404,
            {"message": "unknown operation"},
            {"x-amzn-ErrorType": "UnknownOperationException:"},
        )

    def _converse(self, model_id: str, body: dict) -> Reply:
        system = " ".join(s.get("text", "") for s in body.get("system", []))
        user = " ".join(
            c.get("text", "") for m in body.get("messages", []) for c in m.get("content", [])
        )
        with self.lock:
            self.prompts.append({"model": model_id, "system": system, "user": user})
        text = self.answer(user)
        return json_reply(
            200,
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": {
                    "inputTokens": len(user) // 4,
                    "outputTokens": len(text) // 4,
                    "totalTokens": 0,
                },
                "metrics": {"latencyMs": int(self.delay * 1000)},
            },
        )

    def _agent(self, agent_id: str, alias_id: str, session_id: str, body: dict) -> Reply:
        text = body.get("inputText", "")
        with self.lock:
            self.prompts.append(
                {"model": f"agent:{agent_id}/{alias_id}", "system": "", "user": text}
            )
        answer = self.answer(text).encode()
        frames = b""
        for i in range(0, len(answer), 40):  # several chunks, as agents stream them
            payload = json.dumps({"bytes": base64.b64encode(answer[i : i + 40]).decode()}).encode()
            frames += eventstream_message(
                {
                    ":event-type": "chunk",
                    ":content-type": "application/json",
                    ":message-type": "event",
                },
                payload,
            )
        headers = {
            "Content-Type": "application/vnd.amazon.eventstream",
            "x-amzn-bedrock-agent-session-id": session_id,
            "x-amzn-bedrock-agent-content-type": "application/json",
        }
        return 200, headers, frames
