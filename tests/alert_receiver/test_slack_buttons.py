"""The message's buttons against a real Alertmanager (Debian's), on both stores: presses built
from the buttons of the message FakeSlack holds, the way Slack's block_actions payload carries
them, handled as the transports hand them over."""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alert_receiver.app import create_app
from alert_receiver.clients import Clients, build_clients
from alert_receiver.delivery import Delivery
from alert_receiver.metrics import Metrics
from alert_receiver.settings import Settings
from alert_receiver.slack_buttons import ButtonActions
from alert_receiver.store.base import Store
from alert_receiver.store.redis import RedisStore
from alert_receiver.store.sqlite import SqliteStore
from alert_receiver.wiring import build_button_actions, build_delivery
from integrations.alertmanager import AlertmanagerClient
from tests.alert_receiver.conftest import AUTH, TOKEN, boto_session
from tests.alert_receiver.daemons import Alertmanager
from tests.alert_receiver.payloads import alert, resolved, webhook
from tests.alert_receiver.slack_presses import BOB, actions_of, blocks_text, press, said
from tests.alert_receiver.test_e2e import post_json
from tests.alert_receiver.test_store import redis_url  # noqa: F401 - the fixture
from tests.helpers import refused_port

pytestmark = pytest.mark.integration

POD = {"namespace": "shop", "pod": "api-7f9", "container": "api"}


@pytest.fixture(scope="module")
def am(tmp_path_factory) -> Iterator[Alertmanager]:
    tmp = tmp_path_factory.mktemp("am")
    (tmp / "token").write_text(TOKEN)
    daemon = Alertmanager(tmp, f"http://127.0.0.1:{refused_port()}/api/v1/alerts", tmp / "token")
    yield daemon
    daemon.close()


@dataclass
class Receiver:
    store: Store
    clients: Clients
    delivery: Delivery
    buttons: ButtonActions
    client: Any

    def send(self, payload: dict[str, Any]) -> None:
        assert self.client.post("/api/v1/alerts", json=payload, headers=AUTH).status_code == 202

    def idle(self, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(self.store.stats().depth.values()) == 0 and self.delivery.running == 0:
                return True
            time.sleep(0.02)
        return False


@pytest.fixture(params=["sqlite", "redis"])
def make(request, tmp_path, slack, loki, am) -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def build(**env: str) -> Receiver:
        base = {
            "ALERT_RECEIVER_TOKEN": TOKEN,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": "C0ALERTS",
            "SLACK_API_URL": slack.api_url,
            "SLACK_SIGNING_SECRET": "0123456789abcdef",
            "ALERTMANAGER_URL": am.url,
            "LOKI_URL": loki.url,
            "LOKI_TIMEOUT": "2",
            "ALERT_RECEIVER_FIRST_POST_WAIT": "1",
            "ALERT_RECEIVER_RETRY_MAX_DELAY": "1",
            "REPORT_LANGUAGE": "en",
        }
        settings = Settings.from_env({**base, **env})
        store: Store
        if request.param == "sqlite":
            store = SqliteStore(tmp_path / f"q{len(made)}.db", synchronous="NORMAL")
        else:
            url = request.getfixturevalue("redis_url")
            store = RedisStore.from_url(url, prefix=f"b{time.monotonic_ns()}")
        clients, metrics = (
            build_clients(settings, boto_session=boto_session(), slack_options={"backoff": 0.05}),
            Metrics(),
        )
        delivery = build_delivery(
            settings, store, clients, metrics, recover_prefix="", poll=0.01, retry_base=0.05
        )
        delivery.start()
        app = create_app(settings, store, clients, metrics)
        buttons = build_button_actions(settings, store, clients)
        r = Receiver(store, clients, delivery, buttons, app.test_client())
        made.append(r)
        return r

    yield build
    for r in made:
        r.delivery.stop()
        r.clients.close()
        r.store.close()


def posted(r: Receiver, slack) -> dict[str, Any]:
    assert r.idle()
    [message] = slack.posts()
    return slack.messages[message["ts"]]


def silences_of(am: Alertmanager, incident_id: str) -> list[dict[str, Any]]:
    client = AlertmanagerClient(am.url)
    try:
        return [s for s in client.silences() if s["comment"].endswith(f"incident {incident_id}")]
    finally:
        client.close()


def incident_id(message: dict[str, Any]) -> str:
    return actions_of(message)[-1]["value"]


def test_silence_press_makes_a_matching_silence_shown_on_the_message_until_expired(make, slack, am):
    r = make()
    a = alert(**POD)
    r.send(webhook(a))
    message = posted(r, slack)
    assert [e["action_id"] for e in actions_of(message)] == [
        "silence",
        "silence_for",
        "acknowledge",
        "analyse_again",
    ]
    iid = incident_id(message)

    reply = r.buttons.handle(press(message, "silence"))
    assert said(reply).startswith("🔕 Silenced until")
    assert reply is not None
    assert reply.ephemeral
    [silence] = silences_of(am, iid)
    assert silence["status"]["state"] == "active"
    assert silence["createdBy"] == "jane.doe (U0JANE)"
    assert "https://fake.slack.com/archives/C0ALERTS/p" in silence["comment"]
    assert {(m["name"], m["value"]) for m in silence["matchers"]} == set(a["labels"].items())
    ends = datetime.fromisoformat(silence["endsAt"].replace("Z", "+00:00"))
    assert abs((ends - datetime.now(UTC) - timedelta(hours=1)).total_seconds()) < 60
    # Alertmanager itself mutes the alert with it.
    post_json(f"{am.url}/api/v2/alerts", [{"labels": a["labels"]}])
    client = AlertmanagerClient(am.url)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = client.alerts(silenced=True, filters=[f'pod="{POD["pod"]}"'])
            if found:
                break
            time.sleep(0.1)
        assert found[0]["status"]["silencedBy"] == [silence["id"]]
    finally:
        client.close()
    stored = r.store.enrichment(iid, "silence")
    assert stored is not None
    assert stored[1]["by_id"] == "U0JANE"

    message = posted(r, slack)
    text = blocks_text(message)
    assert "Silenced* by *jane.doe* until" in text
    assert [e["action_id"] for e in actions_of(message)] == [
        "expire_silence",
        "acknowledge",
        "analyse_again",
    ]
    again = r.buttons.handle(press(message, "acknowledge", user=BOB))
    assert again is not None
    before_expiry = copy.deepcopy(message)  # Slack's copy of it changes with each update
    reply = r.buttons.handle(press(message, "expire_silence", user=BOB))
    assert said(reply).startswith("⏰ Silence expired")
    [silence] = silences_of(am, iid)
    assert silence["status"]["state"] == "expired"
    message = posted(r, slack)
    assert "expired by *bob*" in blocks_text(message)
    assert actions_of(message)[0]["action_id"] == "silence"
    # The same Expire button pressed again (a second look at an old copy of the message).
    reply = r.buttons.handle(press(before_expiry, "expire_silence"))
    assert "already ended" in said(reply)
    # A value naming a silence this message did not make expires nothing.
    client = AlertmanagerClient(am.url)
    try:
        other = client.create_silence(
            {"pod": "other"}, datetime.now(UTC) + timedelta(hours=1), "x", "y"
        )
        forged = press(before_expiry, "expire_silence")
        reply = r.buttons.handle(dataclasses.replace(forged, value=f"{iid}|{other}"))
        assert "not made from this message" in said(reply)
        got = client.get_silence(other)
        assert got is not None
        assert got["status"]["state"] == "active"
    finally:
        client.close()


def test_silence_for_four_hours_matches_the_groups_labels(make, slack, am):
    r = make()
    r.send(webhook(alert("A", pod="p1", namespace="shop"), alert("B", pod="p2", namespace="shop")))
    message = copy.deepcopy(posted(r, slack))  # as first shown, whenever the refresh runs
    reply = r.buttons.handle(press(message, "silence_for", option="4h"))
    assert "Silenced until" in said(reply)
    [silence] = silences_of(am, incident_id(message))
    assert [(m["name"], m["value"]) for m in silence["matchers"]] == [("namespace", "shop")]
    ends = datetime.fromisoformat(silence["endsAt"].replace("Z", "+00:00"))
    assert abs((ends - datetime.now(UTC) - timedelta(hours=4)).total_seconds()) < 60
    # A second press while it runs makes no second silence.
    reply = r.buttons.handle(press(message, "silence"))
    assert "Already silenced by jane.doe" in said(reply)
    assert len(silences_of(am, incident_id(message))) == 1


def test_a_silence_made_but_not_stored_is_reused_by_the_next_press(make, slack, am):
    r = make()
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    iid = incident_id(message)
    # What a press leaves when the store failed right after Alertmanager answered.
    client = AlertmanagerClient(am.url)
    try:
        earlier = client.create_silence(
            {"pod": POD["pod"]},
            datetime.now(UTC) + timedelta(hours=1),
            "bob (U0BOB)",
            f"from Slack | incident {iid}",
        )
    finally:
        client.close()
    reply = r.buttons.handle(press(message, "silence"))
    assert earlier in said(reply)
    assert [s["id"] for s in silences_of(am, iid)] == [earlier]
    assert "Silenced* by *bob* until" in blocks_text(posted(r, slack))


def test_alertmanager_down_changes_nothing(make, slack):
    r = make(ALERTMANAGER_URL=f"http://127.0.0.1:{refused_port()}")
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    updates = message["updates"]
    reply = r.buttons.handle(press(message, "silence"))
    assert said(reply).startswith("Alertmanager did not take the silence")
    assert "nothing was silenced" in reply.text
    assert r.store.enrichment(incident_id(message), "silence") is None
    assert r.idle()
    assert slack.messages[message["ts"]]["updates"] == updates


def test_unknown_silence_action_and_incident_get_a_clear_answer(make, slack):
    r = make()
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    iid = incident_id(message)
    base = press(message, "silence")
    cases = {
        ("expire_silence", f"{iid}|0b0b0b0b-0000-0000-0000-000000000000"): "does not know",
        ("reboot_cluster", iid): "Unknown action",
        ("silence", f"{iid}|7d"): "Unknown silence duration",
        ("silence", "0123456789abcdef0123456789abcdef|1h"): "no longer known",
        ("acknowledge", ""): "no longer known",
        ("acknowledge", "*|1h"): "no longer known",
    }
    for (action_id, value), expected in cases.items():
        reply = r.buttons.handle(
            type(base)(**{**base.__dict__, "action_id": action_id, "value": value})
        )
        assert expected in said(reply), (action_id, reply)
    assert r.store.enrichment(iid, "silence") is None
    assert r.store.enrichment(iid, "ack") is None


def test_resolved_incident_has_no_buttons_and_refuses_a_stale_press(make, slack):
    r = make()
    a = alert(**POD)
    r.send(webhook(a))
    firing = copy.deepcopy(posted(r, slack))
    r.send(webhook(resolved(a)))
    message = posted(r, slack)
    assert actions_of(message) == []
    for action_id in ("silence", "acknowledge", "analyse_again"):
        reply = r.buttons.handle(press(firing, action_id))
        assert "has resolved" in said(reply)


def test_acknowledge_shows_who_took_it(make, slack):
    r = make()
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    reply = r.buttons.handle(press(message, "acknowledge"))
    assert said(reply).startswith("✋ Acknowledged")
    message = posted(r, slack)
    assert "Acknowledged* by *jane.doe* at" in blocks_text(message)
    assert actions_of(message)[2]["text"]["text"] == "✋ Take over"
    reply = r.buttons.handle(press(message, "acknowledge"))
    assert "already" in said(reply)
    reply = r.buttons.handle(press(message, "acknowledge", user=BOB))
    assert "took it over from jane.doe" in said(reply)
    assert "Acknowledged* by *bob*" in blocks_text(posted(r, slack))


def test_analyse_again_asks_loki_and_the_model_afresh(make, slack, loki, bedrock):
    r = make(
        BEDROCK_MODEL_ID="anthropic.claude-3-haiku",
        BEDROCK_ENDPOINT_URL=bedrock.url,
        AWS_REGION="us-east-1",
    )
    now = datetime.now(UTC)
    loki.add(POD, now - timedelta(minutes=1), "ERROR first look")
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    assert "AI analysis" in blocks_text(message)
    assert len(bedrock.prompts) == 1
    loki.add(POD, datetime.now(UTC), "ERROR second look")
    bedrock.delay = 1.0
    reply = r.buttons.handle(press(message, "analyse_again"))
    assert said(reply).startswith("🔄 Analysing again")
    busy = r.buttons.handle(press(message, "analyse_again", user=BOB))
    assert "under way" in said(busy)
    deadline = time.monotonic() + 10  # while the model thinks, the message says so
    while "⏳ _analysing again…_" not in blocks_text(message):
        assert time.monotonic() < deadline, blocks_text(message)
        time.sleep(0.02)
    message = posted(r, slack)
    assert len(bedrock.prompts) == 2  # past the analysis cache
    assert "ERROR second look" in bedrock.prompts[1]["user"]
    assert "ERROR second look" in blocks_text(message)
    assert "AI analysis" in blocks_text(message)


def test_a_notification_after_the_press_keeps_the_silence_on_the_message(make, slack):
    r = make()
    r.send(webhook(alert("A", pod="p1", namespace="shop")))
    message = posted(r, slack)
    assert said(r.buttons.handle(press(message, "silence"))).startswith("🔕")
    assert said(r.buttons.handle(press(message, "acknowledge", user=BOB))).startswith("✋")
    # Another alert joins the group: the message is re-rendered from the stored state.
    r.send(webhook(alert("A", pod="p1", namespace="shop"), alert("B", pod="p2", namespace="shop")))
    message = posted(r, slack)
    text = blocks_text(message)
    assert "FIRING 2" in message["text"]
    assert "Silenced* by *jane.doe*" in text
    assert "Acknowledged* by *bob*" in text
    assert actions_of(message)[0]["action_id"] == "expire_silence"


def test_a_silence_expired_in_alertmanager_is_replaced_by_the_next_press(make, slack, am):
    r = make()
    r.send(webhook(alert(**POD)))
    message = copy.deepcopy(posted(r, slack))
    assert said(r.buttons.handle(press(message, "silence"))).startswith("🔕")
    [first] = silences_of(am, incident_id(message))
    client = AlertmanagerClient(am.url)
    try:
        client.expire_silence(first["id"])  # someone used Alertmanager's UI (or amtool)
    finally:
        client.close()
    assert said(r.buttons.handle(press(message, "silence", user=BOB))).startswith("🔕")
    states = {s["id"]: s["status"]["state"] for s in silences_of(am, incident_id(message))}
    assert states.pop(first["id"]) == "expired"
    assert list(states.values()) == ["active"]
    assert "Silenced* by *bob*" in blocks_text(posted(r, slack))


def test_analyse_again_without_a_model_summarises_fresh_logs_by_the_rules(make, slack, loki):
    r = make()
    r.send(webhook(alert(**POD)))
    message = posted(r, slack)
    assert "rule-based, not AI" in blocks_text(message)
    loki.add(POD, datetime.now(UTC), "ERROR after the first post")
    assert said(r.buttons.handle(press(message, "analyse_again"))).startswith("🔄")
    text = blocks_text(posted(r, slack))
    assert "ERROR after the first post" in text
    assert "rule-based, not AI" in text
    assert "analysing again" not in text
