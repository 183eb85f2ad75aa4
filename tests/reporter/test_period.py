"""Period semantics: calendar periods in the report time zone, (start, end], previous period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporter.period import default_end, parse_end, period_for, previous

SEOUL = ZoneInfo("Asia/Seoul")


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def test_first_of_the_month_at_nine_reports_the_month_just_ended():
    now = kst(2025, 11, 1, 9, 0)
    p = period_for("monthly", default_end(now, SEOUL), SEOUL)
    assert (p.start, p.end, p.label) == (kst(2025, 10, 1), kst(2025, 11, 1), "2025-10")
    assert p.complete


def test_monday_run_reports_the_iso_week_just_ended():
    p = period_for("weekly", default_end(kst(2025, 11, 3, 9, 0), SEOUL), SEOUL)
    assert (p.start, p.end, p.label) == (kst(2025, 10, 27), kst(2025, 11, 3), "2025-W44")
    assert p.last_day.isoformat() == "2025-11-02"


def test_daily_run_reports_yesterday_in_seoul_even_when_utc_is_still_yesterday():
    now = datetime(2025, 10, 31, 23, 30, tzinfo=UTC)  # 08:30 on 1 November in Seoul
    p = period_for("daily", default_end(now, SEOUL), SEOUL)
    assert (p.start, p.end) == (kst(2025, 10, 31), kst(2025, 11, 1))


def test_an_instant_inside_a_period_reports_it_to_date():
    p = period_for("monthly", kst(2025, 10, 15, 12, 0), SEOUL)
    assert (p.start, p.end, p.full_end) == (
        kst(2025, 10, 1),
        kst(2025, 10, 15, 12),
        kst(2025, 11, 1),
    )
    assert not p.complete
    prev = previous(p)
    assert (prev.start, prev.end) == (kst(2025, 9, 1), kst(2025, 9, 15, 12))


def test_previous_of_a_complete_month_is_the_whole_month_before():
    prev = previous(period_for("monthly", kst(2025, 3, 1), SEOUL))
    assert (prev.start, prev.end, prev.label) == (kst(2025, 1, 1), kst(2025, 2, 1), "2025-01")
    prev = previous(period_for("monthly", kst(2025, 4, 1), SEOUL))
    assert (prev.start, prev.end) == (kst(2025, 2, 1), kst(2025, 3, 1))  # 28 days


def test_iso_week_across_a_year_boundary():
    p = period_for("weekly", kst(2026, 1, 1, 10), SEOUL)
    assert p.start == kst(2025, 12, 29)
    assert p.label == "2026-W01"


def test_parse_end_forms():
    now = datetime(2025, 11, 1, 0, 30, tzinfo=UTC)
    assert parse_end("2025-11-01", SEOUL, now) == kst(2025, 11, 1)
    assert parse_end("2025-11-01T09:00:00+09:00", SEOUL, now) == kst(2025, 11, 1, 9)
    assert parse_end("2025-10-31T15:00:00Z", SEOUL, now) == kst(2025, 11, 1)
    assert parse_end("now", SEOUL, now) == kst(2025, 11, 1, 9, 30)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_end("last month", SEOUL, now)


def test_unknown_kind():
    with pytest.raises(ValueError, match="daily, weekly, monthly"):
        period_for("yearly", kst(2025, 1, 1), SEOUL)


@given(
    st.sampled_from(["daily", "weekly", "monthly"]),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
    st.sampled_from(["Asia/Seoul", "Europe/Berlin", "America/New_York", "UTC"]),
)
def test_the_period_holds_its_end_and_follows_its_predecessor(kind, naive, zone):
    tz = ZoneInfo(zone)
    end = naive.replace(tzinfo=tz)
    p = period_for(kind, end, tz)
    assert p.start < p.end <= p.full_end
    assert p.end == min(end.astimezone(tz), p.full_end)
    assert p.start.astimezone(tz).hour == 0 or zone != "Asia/Seoul"
    prev = previous(p)
    assert prev.full_end == p.start
    assert prev.end - prev.start <= p.end - p.start + timedelta(days=3)
