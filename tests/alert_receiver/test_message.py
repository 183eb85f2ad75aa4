"""render_blocks: within Slack's limits for any group, escaped, in the display time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from alert_receiver.enrichment import Analysis, LogContext, LogLine
from alert_receiver.message import Links, render_blocks, render_message
from alert_receiver.message_text import link
from alert_receiver.model import Incident
from alert_receiver.payload import parse_webhook
from integrations.slack_common import escape_mrkdwn
from tests.alert_receiver.payloads import alert, webhook
from tests.fakes.slack_blocks import block_problems


def incident_of(*alerts) -> Incident:
    n = parse_webhook(json.dumps(webhook(*alerts)))
    inc = Incident.start(n, 0)
    inc.alerts = {a.fingerprint: a for a in n.alerts}
    inc.truncated_alerts = n.truncated_alerts
    return inc


def test_a_huge_group_stays_within_slack_limits_and_says_how_many_are_hidden():
    alerts = [
        alert(f"Alert{i}", pod=f"pod-{i}-" + "x" * 150, annotations={"summary": "s" * 500})
        for i in range(300)
    ]
    inc = incident_of(*alerts)
    inc.truncated_alerts = 20
    line = LogLine(datetime(2024, 1, 1, tzinfo=UTC), "a", "l" * 300, True)
    logs = LogContext("ok", lines=(line,) * 40)
    blocks = render_blocks(inc, Analysis("ai", "y" * 10000, "m"), logs=logs)
    assert block_problems(blocks) == []
    assert "… and 295 more alerts in this group" in json.dumps(blocks, ensure_ascii=False)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=4000), st.text(max_size=300), st.integers(1, 80))
def test_any_text_and_group_size_is_valid_block_kit(description, label, n):
    alerts = [alert(pod=f"{label}{i}", annotations={"description": description}) for i in range(n)]
    blocks = render_blocks(incident_of(*alerts), Analysis("rules", description))
    assert block_problems(blocks) == []


def test_started_at_in_seoul_and_links():
    a = alert(namespace="shop", service="cart", starts=datetime(2024, 5, 1, 0, 30, tzinfo=UTC))
    a["annotations"]["dashboard_url"] = "http://grafana/d/abc"
    blocks = render_blocks(
        incident_of(a), None, links=Links(kiali_url="http://kiali/kiali"), tz=ZoneInfo("Asia/Seoul")
    )
    text = json.dumps(blocks, ensure_ascii=False)
    assert "2024-05-01 09:30:00 KST" in text
    for label in ("Runbook", "Dashboard", "Prometheus", "Silence", "Kiali"):
        assert f"|{label}>" in text or f"{label}>" in text
    assert "http://kiali/kiali/console/namespaces/shop/services/cart" in text


def test_escape_and_link_cannot_be_abused():
    assert escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert link("javascript:alert(1)", "x") == "x"
    assert link("http://a/b?x=1&y=<2>|3", "t") == "<http://a/b?x=1&amp;y=%3C2%3E%7C3|t>"


def test_message_colour_follows_severity():
    warning = render_message(incident_of(alert(severity="warning")), None)
    assert warning["attachments"][0]["color"] == "#ECB22E"
    assert warning["text"].startswith("🟠 FIRING 1")
