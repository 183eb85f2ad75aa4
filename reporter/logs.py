"""Loki: error lines over time, errors by service, and the most frequent error messages.

Counts come from a LogQL metric query, `sum by (<service label>) (count_over_time({...} |~ "..."
[step]))`, over windows of at most a week: Loki refuses queries longer than its
`max_query_length` (721h by default, less than a 31-day month). Windows tile the period, so the
sum of the points is the number of error lines. The top messages cannot be counted by Loki (it
does not group by line text): they are counted here from the newest `sample` error lines,
normalised (numbers, IDs and addresses replaced by placeholders) and redacted, and the report
says how many lines they were counted from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from integrations.loki import LokiClient, line_filter
from reporter.model import LogErrors, LogMessage, Series
from reporter.period import Period
from rules import packaged_config
from rules.settings import LogsSettings
from runtime import logtext
from runtime.redact import Redactor

WINDOW = timedelta(days=7)
PAGE = 1000  # lines per log query; Loki's max_entries_limit_per_query defaults to 5000


@dataclass(frozen=True)
class LogQuery:
    selector: str = '{namespace=~".+"}'
    # what an error line is and which label names a service: rules/config.yaml's logs:
    logs: LogsSettings = field(default_factory=lambda: packaged_config().logs)
    sample: int = 2000
    top: int = 10

    def lines(self) -> str:
        return f"{self.selector} {line_filter(self.logs.error_filter)}"

    def counts(self, step: timedelta) -> str:
        seconds = int(step.total_seconds())
        label = self.logs.service_label
        return f"sum by ({label}) (count_over_time({self.lines()} [{seconds}s]))"


def windows(start: datetime, end: datetime, size: timedelta = WINDOW) -> Iterator[tuple]:
    """Consecutive (start, end) windows of at most `size`, newest last."""
    t = start
    while t < end:
        yield t, min(end, t + size)
        t += size


def error_total(loki: LokiClient, q: LogQuery, period: Period) -> float:
    return sum(_count_series(loki, q, period)[1].values())


def collect_logs(loki: LokiClient, q: LogQuery, period: Period, redact: Redactor) -> LogErrors:
    points, by_service = _count_series(loki, q, period)
    messages, sampled = _top_messages(loki, q, period, redact)
    ranked = sorted(by_service.items(), key=lambda kv: (-kv[1], kv[0]))
    return LogErrors(
        total=sum(by_service.values()),
        by_service=tuple((name, n) for name, n in ranked[: q.top] if n > 0),
        messages=messages,
        sampled=sampled,
        series=Series("errors", tuple(sorted(points.items()))),
    )


def _count_series(
    loki: LokiClient, q: LogQuery, period: Period
) -> tuple[dict[datetime, float], dict[str, float]]:
    step = period.step
    points: dict[datetime, float] = {}
    by_service: dict[str, float] = {}
    for start, end in windows(period.start, period.end):
        # A point at t counts the lines in (t - step, t]: start one step in, so windows tile.
        if start + step > end:
            continue
        result = loki.query_range(
            q.counts(step), start + step, end, step=f"{int(step.total_seconds())}s"
        )
        for s in result.series:
            name = s.labels.get(q.logs.service_label) or "-"
            for t, v in s.values:
                points[t] = points.get(t, 0.0) + v
                by_service[name] = by_service.get(name, 0.0) + v
    return points, by_service


def _top_messages(
    loki: LokiClient, q: LogQuery, period: Period, redact: Redactor
) -> tuple[tuple[LogMessage, ...], int]:
    counts: Counter[str] = Counter()
    services: dict[str, Counter[str]] = {}
    sampled = 0
    for start, end in reversed(list(windows(period.start, period.end))):
        page_end = end
        while sampled < q.sample:
            limit = min(PAGE, q.sample - sampled)
            result = loki.query_range(q.lines(), start, page_end, limit=limit, direction="backward")
            for entry in result.entries:
                message = normalise(entry.line, redact)
                counts[message] += 1
                services.setdefault(message, Counter())[
                    entry.labels.get(q.logs.service_label) or "-"
                ] += 1
            sampled += len(result.entries)
            if len(result.entries) < limit:
                break
            # Loki's end is exclusive: the next page ends at the oldest line seen.
            page_end = min(e.time for e in result.entries)
        if sampled >= q.sample:
            break
    top = [
        LogMessage(msg, n, tuple(s for s, _ in services[msg].most_common(3)))
        for msg, n in counts.most_common(q.top)
    ]
    return tuple(top), sampled


def normalise(line: str, redact: Redactor) -> str:
    """One error message per kind: the message field of a JSON line, secrets redacted, numbers
    and IDs replaced, cut to a length (runtime.logtext)."""
    return logtext.normalise(redact(logtext.message(line)))
