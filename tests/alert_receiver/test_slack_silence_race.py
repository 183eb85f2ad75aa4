"""The Silence button pressed at once in two processes (two web workers, or two replicas' Socket
Mode connections), each with its own ButtonActions and lock, against a real Alertmanager
(Debian's) on both stores: one silence is left, the one the message shows, and Expire silence
leaves none running for the incident."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from alert_receiver.slack_buttons import ButtonActions
from integrations.alertmanager import AlertmanagerClient
from tests.alert_receiver.payloads import alert, webhook
from tests.alert_receiver.slack_presses import BOB, blocks_text, press, said
from tests.alert_receiver.test_slack_buttons import (  # noqa: F401 - the fixtures
    POD,
    am,
    incident_id,
    make,
    posted,
    silences_of,
)
from tests.alert_receiver.test_store import redis_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration


def running(daemon, iid: str) -> list[dict]:
    return [s for s in silences_of(daemon, iid) if s["status"]["state"] != "expired"]


def test_two_processes_pressing_silence_at_once_leave_one_silence(make, slack, am):  # noqa: F811
    r = make()
    r.send(webhook(alert(**POD)))
    message = copy.deepcopy(posted(r, slack))
    iid = incident_id(message)
    other_am = AlertmanagerClient(am.url)  # the other process: its own client, its own lock
    other = ButtonActions(r.store, other_am, r.clients.slack, tz="Asia/Seoul")
    # Both presses look for a silence, find none, and are about to make one; the message link
    # (chat.getPermalink) they ask Slack for in between answers only once both are there.
    holds = [slack.hold("chat.getPermalink") for _ in range(2)]
    try:
        with ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(r.buttons.handle, press(message, "silence")),
                pool.submit(other.handle, press(message, "silence", user=BOB)),
            ]
            for held in holds:
                assert held.arrived.wait(15)
            for held in holds:
                held.release()
            replies = [said(f.result(timeout=30)) for f in futures]
    finally:
        for held in holds:
            held.release()
        other_am.close()
    made = silences_of(am, iid)
    assert len(made) == 2  # the race did make two
    [kept] = running(am, iid)
    assert all(t.startswith("🔕 Silenced until") and kept["id"] in t for t in replies), replies
    stored = r.store.enrichment(iid, "silence")
    assert stored is not None
    assert stored[1]["id"] == kept["id"]

    message = posted(r, slack)
    assert said(r.buttons.handle(press(message, "expire_silence"))).startswith("⏰ Silence expired")
    assert running(am, iid) == []
    assert "expired by *jane.doe*" in blocks_text(posted(r, slack))


def test_expire_ends_every_silence_made_for_the_incident(make, slack, am):  # noqa: F811
    """A second silence the message does not name (left by a race before presses settled on one,
    or by an expiry that failed) ends with the one it names: the alerts really notify again."""
    r = make()
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    iid = incident_id(message)
    assert said(r.buttons.handle(press(message, "silence"))).startswith("🔕")
    message = copy.deepcopy(posted(r, slack))
    client = AlertmanagerClient(am.url)
    try:
        client.create_silence(
            {"pod": POD["pod"]},
            datetime.now(UTC) + timedelta(hours=24),
            "bob (U0BOB)",
            f"Silenced for 24h from Slack by bob (U0BOB): x | y | incident {iid}",
        )
        unrelated = client.create_silence(
            {"pod": POD["pod"]}, datetime.now(UTC) + timedelta(hours=1), "ops", "maintenance"
        )
        assert len(running(am, iid)) == 2
        reply = r.buttons.handle(press(message, "expire_silence", user=BOB))
        assert said(reply).startswith("⏰ Silence expired")
        assert running(am, iid) == []
        kept = client.get_silence(unrelated)
        assert kept is not None
        assert kept["status"]["state"] == "active"  # not made from the message: left alone
    finally:
        client.close()
    assert "expired by *bob*" in blocks_text(posted(r, slack))
