"""Log context for an incident: Loki lines around each alert's `startsAt`, error-ish lines first.

For up to `LOKI_MAX_STREAMS` distinct label sets (namespace/pod/container, or the service label
named by rules/config.yaml's `logs.service_label`), two queries run at once over `[startsAt -
before, startsAt + after]` (capped at now): one filtered to error lines (`logs.error_filter`),
one unfiltered; the answer keeps at most
`LOKI_MAX_LINES`, errors first, each line cut to 300 characters and redacted. A pod that logs
10,000 info lines a minute still shows its one stack trace.

`LogFetcher.start()` returns a `PendingLogs` at once; the queries run on a bounded pool (so an
alert storm cannot flood Loki). The Slack step waits for it only until the first-post deadline;
the logs step waits for the same object (no second query) until `LOKI_TIMEOUT`. The result is a
`LogContext` (enrichment.py), stored with the incident.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime, timedelta

from alert_receiver.enrichment import LogContext, LogLine
from alert_receiver.payload import Alert
from integrations.errors import IntegrationError, NotConfigured, Timeout
from integrations.loki import LokiClient, line_filter, selector
from rules import packaged_config
from rules.settings import LogsSettings
from runtime.redact import Redactor

MAX_LINE_CHARS = 300


def stream_matchers(alert: Alert, service_label: str) -> dict[str, str]:
    """Loki matchers for an alert's workload labels; empty when it names none."""
    labels = alert.labels
    out = {k: labels[k] for k in ("namespace", "pod", "container") if labels.get(k)}
    # A probe alert names its `target` only (the exporter's probe name, by convention the
    # service's): the best guess at whose logs tell why it is down.
    service = (
        labels.get("service") or labels.get("destination_service_name") or labels.get("target")
    )
    if service and "pod" not in out:
        out[service_label] = service
    if set(out) == {"namespace"}:
        return {}  # a whole namespace's logs say nothing about this alert
    return out


class PendingLogs:
    def __init__(
        self,
        futures: list[tuple[dict[str, str], Future, Future]],
        window: tuple[datetime, datetime],
        assemble: Callable[..., LogContext],
    ) -> None:
        self._futures = futures
        self.window = window
        self._assemble = assemble
        self.started = time.monotonic()

    def cancel(self) -> None:
        """Drop the queries still waiting for a pool thread (an alert storm's backlog)."""
        for _, errors, plain in self._futures:
            errors.cancel()
            plain.cancel()

    def done(self) -> bool:
        return all(f.done() for _, a, b in self._futures for f in (a, b))

    def wait(self, timeout: float) -> LogContext | None:
        """The log context, or None if the queries are still running after `timeout` seconds."""
        deadline = time.monotonic() + max(0.0, timeout)
        for _, errors, plain in self._futures:
            for f in (errors, plain):
                try:
                    f.exception(timeout=max(0.0, deadline - time.monotonic()))
                except FutureTimeout:
                    return None
                except CancelledError:
                    continue
        return self._assemble(self._futures, self.window)


class LogFetcher:
    def __init__(
        self,
        loki: LokiClient | None,
        redactor: Redactor,
        *,
        concurrency: int = 8,
        timeout: float = 5.0,
        before: float = 300.0,
        after: float = 300.0,
        max_lines: int = 12,
        max_streams: int = 3,
        logs: LogsSettings | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        observe: Callable[[str, float], None] = lambda outcome, seconds: None,
    ) -> None:
        self.loki = loki
        self.redact = redactor
        self.timeout, self.before, self.after = timeout, before, after
        self.logs = logs or packaged_config().logs
        self.max_lines, self.max_streams = max_lines, max_streams
        self.service_label, self._error_line = self.logs.service_label, self.logs.error_line
        self._clock, self._observe = clock, observe
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="loki") if loki else None
        self._lock = threading.Lock()
        self._inflight: dict[str, PendingLogs] = {}

    def start(self, key: str, alerts: Iterable[Alert]) -> PendingLogs | LogContext:
        """Begin fetching (or join the fetch already running under `key`); a finished
        `LogContext` when there is nothing to ask Loki."""
        if self.loki is None or self._pool is None:
            return LogContext("disabled", "LOKI_URL is not set")
        with self._lock:
            pending = self._inflight.get(key)
            if pending is not None:
                return pending
        alerts = list(alerts)
        streams: list[dict[str, str]] = []
        for a in alerts:
            m = stream_matchers(a, self.service_label)
            if m and m not in streams:
                streams.append(m)
        if not streams:
            return LogContext("none", "no pod, container or service label to look logs up by")
        streams = streams[: self.max_streams]
        first = min(a.starts_at for a in alerts)
        last = max(a.starts_at for a in alerts)
        now = self._clock()
        start = first - timedelta(seconds=self.before)
        end = min(now, last + timedelta(seconds=self.after))
        if end <= start:
            end = start + timedelta(seconds=1)
        futures = []
        for m in streams:
            sel = selector(m)
            futures.append(
                (
                    m,
                    self._pool.submit(
                        self._query, f"{sel} {line_filter(self.logs.error_filter)}", start, end
                    ),
                    self._pool.submit(self._query, sel, start, end),
                )
            )
        pending = PendingLogs(futures, (start, end), self._assemble)
        with self._lock:
            self._inflight[key] = pending
        return pending

    def forget(self, key: str) -> None:
        with self._lock:
            pending = self._inflight.pop(key, None)
        if pending is not None:
            pending.cancel()

    def _query(self, query: str, start: datetime, end: datetime) -> list:
        if self.loki is None:
            raise NotConfigured("loki", "LOKI_URL is not set")
        t0 = time.monotonic()
        try:
            result = self.loki.query_range(
                query, start, end, limit=self.max_lines * 2, timeout=self.timeout
            )
        except IntegrationError as e:
            self._observe("timeout" if isinstance(e, Timeout) else "error", time.monotonic() - t0)
            raise
        self._observe("ok", time.monotonic() - t0)
        return list(result.entries)

    def _assemble(self, futures: list, window: tuple[datetime, datetime]) -> LogContext:
        seen: set[tuple] = set()
        errors: list[LogLine] = []
        others: list[LogLine] = []
        problems: list[BaseException] = []
        for matchers, *pair in futures:
            source = "/".join(
                matchers.get(k, "") for k in ("namespace", "pod", "container") if k in matchers
            ) or ",".join(f"{k}={v}" for k, v in matchers.items())
            for f in pair:
                if f.cancelled():
                    problems.append(Timeout("loki", "query dropped: too many queued"))
                    continue
                err = f.exception()
                if err is not None:
                    problems.append(err)
                    continue
                for e in f.result():
                    key = (e.time, e.line)
                    if key in seen:
                        continue
                    seen.add(key)
                    # Redacted before it is cut, so a secret across the cut is never half shown.
                    line = self.redact(e.line.rstrip()[: 2 * MAX_LINE_CHARS])[:MAX_LINE_CHARS]
                    is_error = bool(self._error_line.search(e.line))
                    entry = LogLine(e.time, source, line, is_error)
                    (errors if is_error else others).append(entry)
        chosen = sorted(errors, key=lambda x: x.time)[-self.max_lines :]
        room = self.max_lines - len(chosen)
        rest = sorted(others, key=lambda x: x.time)[-room:] if room > 0 else []
        lines = (*chosen, *rest)
        if problems and not lines:
            first = problems[0]
            if isinstance(first, Timeout):
                status, reason = "timeout", f"Loki did not answer within {self.timeout:g}s"
            else:
                status, reason = (
                    "unavailable",
                    f"Loki unavailable: {getattr(first, 'reason', first)}",
                )
        elif problems:
            status, reason = "ok", f"{len(problems)} of {2 * len(futures)} Loki queries failed"
        elif lines:
            status, reason = "ok", ""
        else:
            status, reason = "empty", "no log lines in the window"
        return LogContext(status, reason, lines, window)

    def unanswered(self, pending: PendingLogs) -> LogContext:
        """What to store when Loki did not finish in time."""
        return LogContext(
            "timeout", f"Loki did not answer within {self.timeout:g}s", (), pending.window
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
