"""The buttons of an incident's message and the lines saying who acted (message_actions.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alert_receiver.enrichment import Ack, Analysis, SilenceState
from alert_receiver.message import _fit, fallback_text, render_blocks
from alert_receiver.message_actions import parse_value
from tests.alert_receiver.payloads import alert, resolved
from tests.alert_receiver.test_message import incident_of
from tests.fakes.slack_blocks import block_problems

NOW = datetime(2024, 5, 1, 0, 30, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")


def actions(blocks: list[dict]) -> list[dict]:
    found = [b for b in blocks if b["type"] == "actions"]
    return found[0]["elements"] if found else []


def silence(**kwargs) -> SilenceState:
    base = {
        "id": "5b1c0a4e-0000-4000-8000-000000000001",
        "by_id": "U0JANE",
        "by_name": "jane <!channel>",
        "starts_at": NOW,
        "ends_at": NOW + timedelta(hours=1),
    }
    return SilenceState(**{**base, **kwargs})


def test_firing_message_has_silence_menu_acknowledge_and_analyse_naming_the_incident():
    inc = incident_of(alert(pod="p1"), alert("Other", pod="p2"))
    blocks = render_blocks(inc, None, now=NOW, buttons=True)
    assert block_problems(blocks) == []
    elements = actions(blocks)
    assert [e["action_id"] for e in elements] == [
        "silence",
        "silence_for",
        "acknowledge",
        "analyse_again",
    ]
    assert parse_value(elements[0]["value"]) == (inc.id, "1h")
    assert [parse_value(o["value"]) for o in elements[1]["options"]] == [
        (inc.id, "4h"),
        (inc.id, "24h"),
    ]
    assert parse_value(elements[2]["value"]) == (inc.id, "")
    assert blocks[-1]["type"] == "context"  # the footer stays last
    assert render_blocks(inc, None, now=NOW)[-2]["type"] != "actions"  # no transport, no buttons


def test_silenced_message_says_who_until_when_and_offers_expire():
    inc = incident_of(alert(pod="p1"))
    blocks = render_blocks(inc, None, now=NOW, tz=SEOUL, silence=silence(), buttons=True)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "🔕 *Silenced* by *jane &lt;!channel&gt;* until 10:30 KST (1h 00m left)" in text
    assert "<!channel>" not in text
    elements = actions(blocks)
    assert elements[0]["action_id"] == "expire_silence"
    assert parse_value(elements[0]["value"]) == (inc.id, silence().id)
    assert "silence" not in [e["action_id"] for e in elements]


def test_ended_and_expired_silences_bring_the_silence_button_back():
    inc = incident_of(alert(pod="p1"))
    over = silence(ends_at=NOW - timedelta(minutes=1))
    blocks = render_blocks(inc, None, now=NOW, tz=SEOUL, silence=over, buttons=True)
    assert "ended at 09:29 KST" in json.dumps(blocks, ensure_ascii=False)
    assert actions(blocks)[0]["action_id"] == "silence"
    expired = silence(expired_by_name="bob", expired_at=NOW - timedelta(minutes=5))
    blocks = render_blocks(inc, None, now=NOW, tz=SEOUL, silence=expired, buttons=True)
    assert "expired by *bob* at 09:25 KST" in json.dumps(blocks, ensure_ascii=False)
    assert actions(blocks)[0]["action_id"] == "silence"


def test_acknowledged_message_names_who_took_it():
    inc = incident_of(alert(pod="p1"))
    ack = Ack("U0BOB", "bob", NOW)
    blocks = render_blocks(inc, None, now=NOW, tz=SEOUL, ack=ack, buttons=True)
    assert "✋ *Acknowledged* by *bob* at 09:30 KST" in json.dumps(blocks, ensure_ascii=False)
    assert actions(blocks)[2]["text"]["text"] == "✋ Take over"


def test_resolved_message_has_no_buttons_but_a_running_silence_can_still_be_expired():
    a = alert(pod="p1")
    inc = incident_of(resolved(a))
    assert actions(render_blocks(inc, None, now=NOW, buttons=True)) == []
    elements = actions(render_blocks(inc, None, now=NOW, silence=silence(), buttons=True))
    assert [e["action_id"] for e in elements] == ["expire_silence"]


def test_fallback_text_is_the_same_with_buttons_and_state():
    inc = incident_of(alert(pod="p1"))
    before = fallback_text(inc)
    render_blocks(inc, None, now=NOW, silence=silence(), ack=Ack("U", "u", NOW), buttons=True)
    assert fallback_text(inc) == before


def test_buttons_and_footer_survive_the_block_limit():
    inc = incident_of(alert(pod="p1"))
    blocks = render_blocks(inc, Analysis("ai", "y"), now=NOW, silence=silence(), buttons=True)
    body, tail = blocks[:-2], blocks[-2:]
    fitted = _fit(body * 20, tail)
    assert len(fitted) == 50
    assert block_problems(fitted) == []
    assert fitted[-2:] == tail
    assert "more blocks left out" in fitted[-3]["elements"][0]["text"]


def test_state_round_trips_through_its_json():
    s = silence(expired_by_name="bob", expired_at=NOW)
    assert SilenceState.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    a = Ack("U0BOB", "bob", NOW)
    assert Ack.from_dict(json.loads(json.dumps(a.to_dict()))) == a
