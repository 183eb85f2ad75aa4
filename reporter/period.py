"""Which stretch of time a report covers, and the one before it to compare with.

Periods are calendar periods in the report time zone (`REPORT_TIMEZONE`, Asia/Seoul by default):

- daily: one calendar day, 00:00 to the next 00:00;
- weekly: one ISO week, Monday 00:00 to the next Monday 00:00;
- monthly: one calendar month, the 1st 00:00 to the next 1st 00:00.

`period_for(kind, end, tz)` picks the period that contains the instant `end`, where the instant
at which a period ends belongs to that period, not to the next one: periods are (start, end].
So `--end 2025-11-01T00:00+09:00` gives October, and so does any instant of October after its
first midnight. When `end` falls inside the period, the report covers its start up to `end`
only and says "to date". Without `--end` the CLI uses the start of the current day in the
report time zone, so a job that runs during a day reports the days before it: at 09:00 on the
1st the monthly report is the month just ended, at 09:00 on a Monday the weekly report is the
week just ended, and every morning the daily report is yesterday.

The previous period is the calendar period before, covering the same elapsed time (the whole
of it for a complete period), so a report to date compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

KINDS = ("daily", "weekly", "monthly")
# Range-query step per kind: 288 points a day, 336 a week, 360-372 a month.
_STEPS = {
    "daily": timedelta(minutes=5),
    "weekly": timedelta(minutes=30),
    "monthly": timedelta(hours=2),
}


@dataclass(frozen=True)
class Period:
    kind: str  # daily | weekly | monthly
    start: datetime  # aware, in the report time zone
    end: datetime  # what the report covers: min(period end, --end)
    full_end: datetime  # where the calendar period ends

    @property
    def complete(self) -> bool:
        return self.end >= self.full_end

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def label(self) -> str:
        """A stable, sortable name: `2025-10-31`, `2025-W44`, `2025-10`."""
        if self.kind == "daily":
            return self.start.strftime("%Y-%m-%d")
        if self.kind == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return self.start.strftime("%Y-%m")

    @property
    def last_day(self) -> date:
        """The last calendar day the report covers (for "10/27 - 11/02")."""
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def step(self) -> timedelta:
        """Range-query step that gives a readable chart for this kind of period."""
        return _STEPS[self.kind]

    def range(self) -> str:
        """A PromQL range covering exactly the period, (start, end] evaluated at its end:
        Prometheus 2 includes both ends of a range, so one millisecond less leaves out the
        sample at `start`, which belongs to the period before (as Prometheus 3 does)."""
        return f"[{self.seconds * 1000 - 1}ms]"

    def subquery(self, step: str) -> str:
        """`[<range>:<step>]` over the period."""
        return f"[{self.seconds * 1000 - 1}ms:{step}]"


def _midnight(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


def _bounds(kind: str, day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """Start and end of the calendar period of `kind` that holds `day`."""
    if kind == "daily":
        return _midnight(day, tz), _midnight(day + timedelta(days=1), tz)
    if kind == "weekly":
        monday = day - timedelta(days=day.weekday())
        return _midnight(monday, tz), _midnight(monday + timedelta(days=7), tz)
    if kind == "monthly":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return _midnight(first, tz), _midnight(following, tz)
    raise ValueError(f"unknown report kind {kind!r}; expected one of {', '.join(KINDS)}")


def period_for(kind: str, end: datetime, tz: tzinfo) -> Period:
    """The period of `kind` that contains `end` (a period's own end belongs to it)."""
    if end.tzinfo is None:
        end = end.replace(tzinfo=tz)
    local = end.astimezone(tz)
    # (start, end]: the first instant of a day belongs to the day before.
    day = (local - timedelta(microseconds=1)).date()
    start, full_end = _bounds(kind, day, tz)
    return Period(kind, start, min(local, full_end), full_end)


def previous(period: Period) -> Period:
    """The calendar period before, over the same elapsed time (clipped to that period)."""
    tz = period.start.tzinfo
    assert tz is not None
    start, full_end = _bounds(period.kind, period.start.date() - timedelta(days=1), tz)
    end = min(full_end, start + (period.end - period.start))
    if period.complete:
        end = full_end
    return Period(period.kind, start, end, full_end)


def default_end(now: datetime, tz: tzinfo) -> datetime:
    """The CLI's `--end` when none is given: the start of today in the report time zone."""
    return _midnight(now.astimezone(tz).date(), tz)


def parse_end(text: str, tz: tzinfo, now: datetime) -> datetime:
    """`--end`: ISO 8601 with or without an offset (none: the report time zone), a date alone
    (its 00:00), or `now`."""
    text = text.strip()
    if text.lower() == "now":
        return now.astimezone(tz)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        example = "2025-11-01 or 2025-11-01T09:00:00+09:00"
        raise ValueError(f"--end: expected ISO 8601 such as {example}, got {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(tz)


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)
