"""The Slack comment and the e-mail that go with the PDF."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reporter.messages import email_body, email_subject, report_id, slack_comment, stem
from reporter.period import period_for
from reporter.queries import Queries, check_matchers
from tests.reporter.sample import sample_report, without


def test_names():
    data = sample_report()
    assert stem(data, "ko") == "report-weekly-2025-W44-ko"
    assert report_id(data) == "weekly.2025-W44"


def test_slack_comment_has_figures_and_cannot_ping():
    data = replace(sample_report(), cluster="<!channel> prod & co")
    text = slack_comment(data, "ko")
    assert text.startswith("*주간 운영 리포트* 2025년 44주차 (10월 27일 - 11월 2일)")
    assert "&lt;!channel&gt; prod &amp; co" in text
    assert "<!channel>" not in text
    assert "• 평균 CPU 사용률: 47.5% (▲ 6.3%p)" in text
    assert "• 최저 가용성: 99.603% (▼ 0.397%p)" in text


def test_email_in_both_languages_and_missing_data_is_said():
    data = without(sample_report(), "loki", "HTTP 503")
    assert (
        email_subject(data, "en")
        == "[bravo-onprem] Weekly operations report week 44 of 2025 (27 Oct - 2 Nov)"
    )
    body = email_body(data, "en")
    assert body.startswith("Here is the weekly operations report.")
    assert "Note: some data could not be fetched: Loki" in body
    assert "일부 데이터를 가져오지 못했습니다: Loki" in email_body(data, "ko")


def test_matchers_are_checked():
    assert check_matchers(' cluster="prod", env=~"a|b" ') == 'cluster="prod", env=~"a|b"'
    with pytest.raises(ValueError, match="label matchers"):
        check_matchers('cluster="prod"} or vector(1')
    q = Queries(extra='cluster="prod"')
    p = period_for("daily", sample_report().period.end, sample_report().period.start.tzinfo)
    assert 'instance:node_cpu_utilisation:rate5m{cluster="prod"}[86399999ms]' in q.nodes(p)
    assert 'quantile="0.95", cluster="prod"' in q.services(p)
