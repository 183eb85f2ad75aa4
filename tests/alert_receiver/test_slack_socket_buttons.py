"""The issue's test across both halves: the Silence button pressed over Socket Mode (slack-sdk's
client, FakeSlack's loopback WebSocket) against a real Alertmanager, with the handler the
receiver wires by default (slack_wiring.build_dispatcher: the button actions of
alert_receiver/slack_buttons.py)."""

from __future__ import annotations

import time

import pytest

from alert_receiver.slack_buttons import ButtonActions
from alert_receiver.slack_wiring import build_dispatcher, build_socket_mode
from integrations.alertmanager import AlertmanagerClient
from tests.alert_receiver.daemons import Alertmanager
from tests.alert_receiver.payloads import alert, webhook
from tests.alert_receiver.slack_actions import APP_TOKEN
from tests.alert_receiver.slack_presses import actions_of
from tests.fakes.slack_socket import block_actions

pytestmark = pytest.mark.integration


@pytest.fixture
def am(tmp_path):
    (tmp_path / "t").write_text("x")
    daemon = Alertmanager(tmp_path, "http://127.0.0.1:9/unused", tmp_path / "t")
    yield daemon
    daemon.close()


def silences(am: Alertmanager) -> list[dict]:
    client = AlertmanagerClient(am.url)
    try:
        return client.silences()
    finally:
        client.close()


def test_silence_over_socket_mode_from_the_alert_channel_only(receiver_factory, slack, am):
    slack.channels.add("C0OTHER")
    r = receiver_factory(SLACK_APP_TOKEN=APP_TOKEN, ALERTMANAGER_URL=am.url)
    dispatcher = build_dispatcher(r.settings, r.store, r.clients, r.metrics)
    assert isinstance(getattr(dispatcher.handlers["button"], "__self__", None), ButtonActions)
    listener = build_socket_mode(r.settings, dispatcher)
    socket = slack.open_socket_mode()
    listener.start()
    try:
        assert socket.wait_connected()
        r.send(webhook(alert(namespace="shop", pod="api-1")))
        [top] = r.wait(lambda: slack.posts())
        assert r.idle()

        def press(action_id: str, name: str, channel: str = "C0ALERTS") -> dict:
            message = slack.messages[top["ts"]]
            [element] = [e for e in actions_of(message) if e["action_id"] == action_id]
            payload = block_actions(
                action_id,
                element["value"],
                channel_id=channel,
                message_ts=top["ts"],
                response_url=slack.response_url(name),
            )
            envelope = socket.send("interactive", payload)
            assert socket.wait_ack(envelope, timeout=3)
            [reply] = slack.wait_replies(name, timeout=15)
            return reply

        refused = press("silence", "elsewhere", channel="C0OTHER")
        assert "Not allowed here" in refused["text"]
        assert silences(am) == []

        assert press("silence", "ok")["text"].startswith("🔕 Silenced until")
        [silence] = silences(am)
        assert silence["status"]["state"] == "active"
        assert silence["createdBy"] == "alice (U0ALICE)"
        assert r.wait(lambda: "Silenced* by *alice*" in str(slack.messages[top["ts"]]))

        assert press("expire_silence", "expire")["text"].startswith("⏰ Silence expired")
        [silence] = silences(am)
        assert silence["status"]["state"] == "expired"
        deadline = time.monotonic() + 10
        while "expired by *alice*" not in str(slack.messages[top["ts"]]):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        listener.close()
        dispatcher.close()
