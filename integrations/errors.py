"""The one exception hierarchy every module in `integrations/` raises.

Callers decide what to do by kind, not by system: `Unavailable` (and its `Timeout` and
`RateLimited`) is worth retrying later, `Rejected` and `BadResponse` are not, because sending the
same request again gets the same answer. `system` names the outside system for logs and metrics
labels ("loki", "slack", ...), so one `except IntegrationError` can still say who failed.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """An outside system failed us; `str(err)` is a one-line reason fit for a Slack message."""

    retryable = False

    def __init__(self, system: str, message: str, *, code: str = "") -> None:
        super().__init__(f"{system}: {message}")
        self.system = system
        self.reason = message
        # The system's own word for what went wrong, when it gives one (Slack's `invalid_auth`,
        # `http_404`, `timeout`): a bounded metrics label, where `reason` is free text.
        self.code = code


class Unavailable(IntegrationError):
    """Could not connect, or the system answered 5xx: try again later."""

    retryable = True


class Timeout(Unavailable):
    """No (complete) answer within the deadline."""


class RateLimited(Unavailable):
    """HTTP 429 or a throttling error; `retry_after` is the server's hint in seconds, if any."""

    def __init__(self, system: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(system, message, code="ratelimited")
        self.retry_after = retry_after


class Rejected(IntegrationError):
    """A 4xx other than 429: bad request, bad credentials, unknown channel or model."""


class BadResponse(IntegrationError):
    """The answer was not what the API documents (not JSON, missing fields)."""


class NotConfigured(IntegrationError):
    """The settings name no endpoint for this system."""
