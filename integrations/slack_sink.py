"""Slack without Slack: every call as a JSON line in a file or on stdout, for the local demo.

It behaves as the Web API does for the receiver (updates work, `find()` reads the file back), so
the demo shows the same incident lifecycle. No slack_sdk here.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from integrations.slack_common import Posted


class SinkSlack:
    """Slack calls written as JSON lines (`-` = stdout), for the demo; updates work, ts are fake."""

    supports_updates = True

    def __init__(self, target: str | TextIO = "-", clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._last = 0.0
        if isinstance(target, str) and target != "-":
            self.path: Path | None = Path(target)
            self._out: TextIO = self.path.open("a", encoding="utf-8")
        else:
            self.path = None
            self._out = sys.stdout if isinstance(target, str) else target

    def _write(self, record: dict) -> None:
        self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._out.flush()

    def _ts(self) -> str:
        now = max(self._clock(), self._last + 0.000001)  # unique, increasing, like Slack's
        self._last = now
        return f"{now:.6f}"

    def post(
        self,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
        thread_ts: str | None = None,
        nonce: str | None = None,
        channel: str | None = None,
    ) -> Posted:
        with self._lock:
            ts = self._ts()
            self._write(
                {
                    "op": "post",
                    "ts": ts,
                    **({"channel": channel} if channel else {}),
                    "thread_ts": thread_ts,
                    "nonce": nonce,
                    "text": text,
                    "blocks": blocks,
                    "attachments": attachments,
                }
            )
        return Posted("sink", ts)

    def update(
        self,
        ts: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        attachments: list[dict] | None = None,
    ) -> Posted:
        with self._lock:
            self._write(
                {
                    "op": "update",
                    "ts": ts,
                    "text": text,
                    "blocks": blocks,
                    "attachments": attachments,
                }
            )
        return Posted("sink", ts)

    def find(
        self, nonce: str, since: float, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None:
        if self.path is None:
            return None
        with self._lock, self.path.open(encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                if record.get("op") == "post" and record.get("nonce") == nonce:
                    return record["ts"]
        return None

    def close(self) -> None:
        if self.path is not None:
            self._out.close()
