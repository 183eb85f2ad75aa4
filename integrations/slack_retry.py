"""Retries of the Slack clients (slack.py): Retry-After honoured by every thread, backoff on 5xx.

A 429 means the channel's budget is spent for everyone, so the wait is kept in one gate per
client that all threads pass through; a wait longer than `max_wait` is handed back to the caller
as `RateLimited` (its queue reschedules the work) instead of holding a thread.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from integrations.errors import IntegrationError, RateLimited, Unavailable

SYSTEM = "slack"


class Gate:
    """One `Retry-After` shared by all threads of a client."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._clock, self._sleep = clock, sleep

    def wait(self, max_wait: float) -> None:
        with self._lock:
            delay = self._not_before - self._clock()
        if delay > max_wait:
            raise RateLimited(SYSTEM, f"rate limited for another {delay:.0f}s", delay)
        if delay > 0:
            self._sleep(delay)

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)


class Retrying:
    """Shared retry loop: 429 waits Retry-After, 5xx and transport errors back off."""

    def __init__(
        self,
        max_attempts: int,
        backoff: float,
        max_wait: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.max_attempts, self.backoff, self.max_wait = max(1, max_attempts), backoff, max_wait
        self._sleep, self._clock = sleep, clock
        self.gate = Gate(clock, sleep)
        self.retries = 0  # how many calls were repeated: for metrics and tests

    def run(
        self, what: str, call: Callable[[], Any], recheck: Callable[[], Any] | None = None
    ) -> Any:
        """`recheck` runs before repeating a call that may have taken effect (5xx, timeout):
        a non-None result is returned instead of calling again."""
        attempt = 0
        maybe_done = False
        while True:
            attempt += 1
            self.gate.wait(self.max_wait)
            if maybe_done and recheck is not None:
                try:
                    found = recheck()
                except IntegrationError:
                    found = None
                if found is not None:
                    return found
            try:
                return call()
            except RateLimited as e:  # 429: Slack did not act on the call
                self.gate.close_for(e.retry_after or 1.0)
                if attempt >= self.max_attempts:
                    raise
            except Unavailable:
                maybe_done = True
                if attempt >= self.max_attempts:
                    raise
                self._sleep(self.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2))  # noqa: S311
            self.retries += 1
