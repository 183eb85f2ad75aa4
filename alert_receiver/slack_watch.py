"""The Slack transport as Prometheus sees it: every call's outcome, by Slack's own error code.

A revoked token or a bot removed from its channel does not crash anything: each post fails, the
task is retried with backoff and the queue slowly ages. The alerts on the receiver's own metrics
(rules/alerts/receiver.py) need to tell that apart from a slow Slack, so every call through
`WatchedSlack` counts its failure under a bounded `reason` (Slack's error code when it is one we
know, else its class: `http_4xx`, `http_5xx`, `timeout`, `transport`, `other`) and stamps the last
success, by operation: post, reply, update, find, and `answer`, a post to a channel the caller
names (an on-demand answer where `/bravo analyze` was asked), which the bot may not be in: its
refusals say nothing about the alerts' path, so the critical alert leaves them out. The pipeline
keeps counting what it did (`alert_receiver_slack_calls_total{op}`).

    alert_receiver_slack_errors_total{op="post",reason="invalid_auth"} 12
    alert_receiver_slack_last_success_timestamp_seconds 1.7649e+09
    alert_receiver_slack_request_duration_seconds_bucket{op="post",le="0.25"} 40
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from integrations.errors import IntegrationError, Rejected, Unavailable
from integrations.slack_common import (
    AUTH_ERRORS,
    CHANNEL_ERRORS,
    CONTENT_ERRORS,
    MESSAGE_ERRORS,
    SERVER_ERRORS,
    Posted,
    Slack,
)

if TYPE_CHECKING:
    from alert_receiver.metrics import Metrics

T = TypeVar("T")

# Slack or the way to it is down or slow: retried, and only worth a page if it lasts.
TRANSIENT_ERRORS = ("ratelimited", "http_5xx", "timeout", "transport")
# Any other 4xx (`bad_request`: the client refused to send it): see the log; never a page.
OTHER_ERRORS = ("http_4xx", "bad_request", "other")
# The calls that deliver; `find` (the look-up before a retried post) may fail without a scope
# the receiver can do without (at-least-once then), so alerts leave it out.
DELIVERY_OPS = ("post", "reply", "update")
REASONS = (
    *AUTH_ERRORS,
    *CHANNEL_ERRORS,
    *sorted(CONTENT_ERRORS),
    *MESSAGE_ERRORS,
    *TRANSIENT_ERRORS,
    *OTHER_ERRORS,
)


def reason_of(err: IntegrationError) -> str:
    """The metrics label of a failed Slack call: one of `REASONS`."""
    code = err.code
    if code in REASONS:
        return code
    if code.startswith("http_5") or code in SERVER_ERRORS:
        return "http_5xx"
    if isinstance(err, Unavailable):
        return "transport"
    if isinstance(err, Rejected):
        return "http_4xx"
    return "other"


class WatchedSlack:
    """Any Slack transport (slack.py), counting each call's failure by reason and its success."""

    def __init__(
        self, slack: Slack, metrics: Metrics, clock: Callable[[], float] = time.time
    ) -> None:
        self.inner, self.metrics, self._clock = slack, metrics, clock
        self.supports_updates = slack.supports_updates

    def post(self, text: str, blocks: list[dict] | None = None, **kwargs: Any) -> Posted:
        op = "answer" if kwargs.get("channel") else "reply" if kwargs.get("thread_ts") else "post"
        return self._watch(op, lambda: self.inner.post(text, blocks, **kwargs))

    def update(self, ts: str, text: str, blocks: list[dict] | None = None, **kwargs: Any) -> Posted:
        return self._watch("update", lambda: self.inner.update(ts, text, blocks, **kwargs))

    def find(
        self, nonce: str, since: float, thread_ts: str | None = None, channel: str | None = None
    ) -> str | None:
        return self._watch("find", lambda: self.inner.find(nonce, since, thread_ts, channel))

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # upload_file, auth_test, channel: as they are
        return getattr(self.inner, name)

    def _watch(self, op: str, call: Callable[[], T]) -> T:
        t0 = time.monotonic()
        try:
            result = call()
        except IntegrationError as e:
            self.metrics.slack_errors.labels(op, reason_of(e)).inc()
            raise
        finally:
            self.metrics.slack_seconds.labels(op).observe(time.monotonic() - t0)
        self.metrics.slack_last_success.set(self._clock())
        return result
