"""POST /slack/events: Slack's signed HTTP requests (interactivity and slash commands), checked
before anything is parsed, answered at once, handled by the same dispatcher as Socket Mode."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from alert_receiver.app import create_app
from alert_receiver.slack_events import check_signature, signature
from alert_receiver.slack_wiring import build_dispatcher
from tests.alert_receiver.slack_actions import StandInButtons
from tests.fakes.slack_socket import block_actions, slash_command

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the test app's signing secret


@pytest.fixture
def web(receiver_factory, slack):
    """The web app with Slack over HTTP, its dispatcher's button handler a stand-in."""
    r = receiver_factory(start=False, SLACK_SIGNING_SECRET=SECRET)
    buttons = StandInButtons()
    dispatcher = build_dispatcher(r.settings, r.store, r.clients, r.metrics, buttons=buttons.handle)
    app = create_app(r.settings, r.store, r.clients, r.metrics, dispatcher=dispatcher)
    yield app.test_client(), buttons, r
    dispatcher.close()


def signed(body: bytes, *, secret: str = SECRET, age: float = 0.0) -> dict[str, str]:
    ts = str(int(time.time() - age))
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def form(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def test_a_signed_button_press_is_answered_at_once_and_handled(web, slack):
    client, buttons, _r = web
    body = form(
        {
            "payload": json.dumps(
                block_actions("acknowledge", "incident-7", response_url=slack.response_url("ok"))
            )
        }
    )
    started = time.monotonic()
    resp = client.post("/slack/events", data=body, headers=signed(body))
    assert resp.status_code == 200
    assert resp.data == b""
    assert time.monotonic() - started < 3
    [reply] = slack.wait_replies("ok")
    assert reply["text"] == "acknowledge done for incident-7"
    assert [i.value for i in buttons.pressed] == ["incident-7"]


def test_a_signed_slash_command(web, slack):
    client, _buttons, r = web
    body = form(slash_command("analyze shop", response_url=slack.response_url("cmd")))
    assert client.post("/slack/events", data=body, headers=signed(body)).status_code == 200
    [reply] = slack.wait_replies("cmd")
    assert "Analysing namespace *shop* now" in reply["text"]
    [queued] = r.store.queued_payloads("ondemand")
    assert (queued["namespace"], queued["channel"], queued["post"]) == ("shop", "C0ALERTS", True)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (lambda b: signed(b, secret="another-secret"), "a wrong signature"),
        (lambda b: signed(b, age=301), "a stale timestamp: a replay"),
        (lambda b: signed(b, age=-301), "a timestamp from the future"),
        (lambda b: {"Content-Type": "application/x-www-form-urlencoded"}, "no signature"),
    ],
)
def test_a_bad_or_stale_signature_is_401_and_nothing_is_done(web, slack, headers, why):
    client, buttons, r = web
    body = form(slash_command("analyze shop", response_url=slack.response_url("no")))
    resp = client.post("/slack/events", data=body, headers=headers(body))
    assert resp.status_code == 401, why
    press = form(
        {
            "payload": json.dumps(
                block_actions("silence", "x", response_url=slack.response_url("no"))
            )
        }
    )
    assert client.post("/slack/events", data=press, headers=headers(press)).status_code == 401
    time.sleep(0.2)
    assert slack.replies() == []
    assert buttons.pressed == []
    assert r.store.queued_payloads("ondemand") == []


def test_a_signature_for_another_body_does_not_fit(web):
    client, _buttons, _r = web
    body = form(slash_command("help"))
    tampered = form(slash_command("analyze"))
    assert client.post("/slack/events", data=tampered, headers=signed(body)).status_code == 401


def test_the_event_subscriptions_url_check_is_answered(web):
    client, _b, _r = web
    body = json.dumps({"type": "url_verification", "challenge": "c-123"}).encode()
    headers = {**signed(body), "Content-Type": "application/json"}
    resp = client.post("/slack/events", data=body, headers=headers)
    assert resp.json == {"challenge": "c-123"}


def test_without_a_signing_secret_there_is_no_route(receiver_factory):
    r = receiver_factory(start=False)
    body = form(slash_command("help"))
    assert r.client.post("/slack/events", data=body, headers=signed(body)).status_code == 404


def test_check_signature_reasons():
    body = b"a=1"
    now = 1_700_000_000.0
    good = signature("s", "1700000000", body)
    assert check_signature("s", "1700000000", body, good, now) is None
    assert "window" in check_signature("s", "1700000000", body, good, now + 400)
    assert "not a number" in check_signature("s", "soon", body, good, now)
    assert "does not match" in check_signature("s", "1700000000", body, good[:-1] + "0", now)


def test_without_the_web_api_there_is_no_route_either(receiver_factory, slack):
    """A webhook-only receiver cannot answer or check who acts: actions are off, not half on."""
    r = receiver_factory(
        start=False,
        SLACK_BOT_TOKEN="",
        SLACK_WEBHOOK_URL=slack.webhook_url,
        SLACK_SIGNING_SECRET=SECRET,
    )
    body = form(slash_command("help"))
    assert r.client.post("/slack/events", data=body, headers=signed(body)).status_code == 404
