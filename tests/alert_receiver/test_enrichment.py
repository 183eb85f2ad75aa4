"""Enrichments and incidents as stored: what earlier versions wrote still loads after an upgrade."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from alert_receiver.enrichment import Analysis, LogContext, LogLine
from alert_receiver.model import Incident, NewTask
from alert_receiver.payload import parse_webhook
from tests.alert_receiver.payloads import alert, webhook

POD = {"namespace": "shop", "pod": "api-7f9", "container": "api"}

# As LogFetcher and Analyst wrote them when enrichments were plain dicts (key order included).
OLD_LOGS = {
    "lines": [
        {
            "time": "2024-05-01T00:29:10.123456Z",
            "source": "shop/api-7f9/api",
            "line": "ERROR stored by an earlier version",
            "error": True,
        },
        {
            "time": "2024-05-01T00:29:40.000000Z",
            "source": "shop/api-7f9/api",
            "line": "GET /health 200",
            "error": False,
        },
    ],
    "window": ["2024-05-01T00:25:00.000000Z", "2024-05-01T00:35:00.000000Z"],
    "status": "ok",
    "reason": "",
}
OLD_DISABLED = {"status": "disabled", "reason": "LOKI_URL is not set", "lines": []}
OLD_ANALYSIS = {
    "kind": "ai",
    "text": "An analysis stored by an earlier version.",
    "model": "anthropic.claude-3-haiku",
    "note": "",
    "seconds": 2.417,
}
OLD_ONDEMAND_ANALYSIS = {"kind": "rules", "text": "Rule-based summary", "model": None}


def test_old_dict_forms_load_and_are_written_back_the_same():
    logs = LogContext.from_dict(OLD_LOGS)
    assert logs.status == "ok"
    assert logs.lines[0] == LogLine(
        datetime(2024, 5, 1, 0, 29, 10, 123456, tzinfo=UTC),
        "shop/api-7f9/api",
        "ERROR stored by an earlier version",
        True,
    )
    assert logs.window == (
        datetime(2024, 5, 1, 0, 25, tzinfo=UTC),
        datetime(2024, 5, 1, 0, 35, tzinfo=UTC),
    )
    assert [x.line for x in logs.error_lines] == ["ERROR stored by an earlier version"]
    assert logs.to_dict() == OLD_LOGS
    assert LogContext.from_dict(OLD_DISABLED).to_dict() == OLD_DISABLED
    analysis = Analysis.from_dict(OLD_ANALYSIS)
    assert analysis.ai
    assert analysis.to_dict() == OLD_ANALYSIS
    short = Analysis.from_dict(OLD_ONDEMAND_ANALYSIS)  # without note and seconds
    assert (short.kind, short.note, short.seconds) == ("rules", "", 0.0)


def test_keys_a_later_version_adds_are_ignored():
    assert LogContext.from_dict({**OLD_DISABLED, "streams": 3}).status == "disabled"
    assert Analysis.from_dict({**OLD_ANALYSIS, "tokens": 512}).model == "anthropic.claude-3-haiku"


def test_an_incident_stored_with_channel_and_replies_loads():
    n = parse_webhook(json.dumps(webhook(alert(**POD))))
    incident = Incident.start(n, 1714523400.0)
    incident.alerts = {a.fingerprint: a for a in n.alerts}
    incident.ts = "1714523401.000100"
    stored = json.loads(incident.to_json())
    assert "channel" not in stored
    assert "replies" not in stored
    old = json.dumps({**stored, "channel": "C0ALERTS", "replies": 2})  # as earlier versions wrote
    loaded = Incident.from_json(old)
    assert loaded.ts == "1714523401.000100"
    assert loaded.alerts == incident.alerts
    assert loaded.to_json() == incident.to_json()


def test_a_message_is_rendered_from_enrichments_stored_in_the_old_form(receiver, slack):
    """The store of an earlier version, upgraded: its enrichments render as before."""
    a = alert(**POD, starts=datetime.now(UTC) - timedelta(minutes=2))
    receiver.send(webhook(a))
    [message] = receiver.wait(lambda: slack.posts())
    assert receiver.idle()
    incident = receiver.store.incident(parse_webhook(json.dumps(webhook(a))).group_id)
    receiver.store.commit(
        enrichment=(incident.id, "logs", incident.revision, OLD_LOGS),
    )
    receiver.store.commit(
        enrichment=(incident.id, "analysis", incident.revision, OLD_ANALYSIS),
        enqueue=[NewTask("refresh", {"incident": incident.id}, serial_key=incident.group_id)],
    )
    assert receiver.idle()
    shown = json.dumps(slack.messages[message["ts"]], ensure_ascii=False)
    assert "ERROR stored by an earlier version" in shown
    assert "09:25 to 09:35 KST" in shown  # the stored window, in REPORT_TIMEZONE
    assert "An analysis stored by an earlier version." in shown
    assert "Bedrock, anthropic.claude-3-haiku" in shown
