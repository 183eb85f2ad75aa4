"""Acting from Slack over Socket Mode, end to end: slack-sdk's client on FakeSlack's loopback
WebSocket, the dispatcher as the delivery process builds it, replies to response_url."""

from __future__ import annotations

import pytest

from tests.alert_receiver.slack_actions import APP_TOKEN, Actions, start_actions
from tests.fakes.slack_socket import block_actions, slash_command


@pytest.fixture
def actions(receiver_factory, slack):
    made: list[Actions] = []

    def make(**env: str) -> Actions:
        slack.channels.add("C0OTHER")
        slack.channel_names["C0OTHER"] = "random"
        slack.usergroups["S0ONCALL"] = {"U0BOB"}
        receiver = receiver_factory(SLACK_APP_TOKEN=APP_TOKEN, **env)
        made.append(start_actions(receiver, slack.open_socket_mode()))
        return made[-1]

    yield make
    for a in made:
        a.close()


def press(slack, a: Actions, name: str, action_id: str = "silence", **kw) -> list[dict]:
    envelope = a.socket.send(
        "interactive",
        block_actions(action_id, "incident-1", response_url=slack.response_url(name), **kw),
    )
    assert a.socket.wait_ack(envelope, timeout=3)
    return slack.wait_replies(name)


def test_a_button_in_the_alert_channel_reaches_its_handler_and_is_answered(actions, slack):
    a = actions()
    [reply] = press(slack, a, "p1")
    assert reply == {
        "text": "silence done for incident-1",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    [i] = a.buttons.pressed
    assert (i.kind, i.user_id, i.user_name, i.channel_id) == (
        "button",
        "U0ALICE",
        "alice",
        "C0ALERTS",
    )
    assert (i.action_id, i.value, i.message_ts) == ("silence", "incident-1", "1700000000.000100")
    assert a.count("silence", "ok") == 1


def test_from_another_channel_nothing_happens(actions, slack):
    a = actions()
    [reply] = press(slack, a, "p2", channel_id="C0OTHER")
    assert reply["response_type"] == "ephemeral"
    assert "Not allowed here" in reply["text"]
    assert "<#C0ALERTS>" in reply["text"]
    assert "Nothing was changed" in reply["text"]
    assert a.buttons.pressed == []
    assert a.count("silence", "refused") == 1


def test_members_of_the_allowed_usergroup_may_act_anywhere(actions, slack):
    a = actions(SLACK_ALLOWED_USERGROUP="S0ONCALL")
    [ok] = press(slack, a, "bob", channel_id="C0OTHER", user_id="U0BOB", user_name="bob")
    assert ok["text"] == "silence done for incident-1"
    [no] = press(slack, a, "alice", channel_id="C0OTHER")
    assert "Not allowed here" in no["text"]
    assert "<!subteam^S0ONCALL>" in no["text"]
    assert [i.user_id for i in a.buttons.pressed] == ["U0BOB"]
    assert slack.count("usergroups.users.list") == 1  # the member list is kept a while


def test_the_alert_channel_may_be_named(actions, slack):
    a = actions(SLACK_CHANNEL="#alerts")
    assert press(slack, a, "p3")[0]["text"] == "silence done for incident-1"
    press(slack, a, "p4")
    assert slack.count("conversations.list") == 1  # resolved once


def test_when_slack_cannot_say_who_may_act_the_answer_is_no(actions, slack):
    a = actions(SLACK_ALLOWED_USERGROUP="S0GONE")
    [reply] = press(slack, a, "p5", channel_id="C0OTHER", user_id="U0BOB")
    assert "Not allowed here" in reply["text"]
    assert a.buttons.pressed == []


def test_a_failing_handler_is_answered_and_counted(actions, slack):
    a = actions()
    a.buttons.fail = True
    [reply] = press(slack, a, "p6")
    assert "That failed: alertmanager: connection refused" in reply["text"]
    assert a.count("silence", "error") == 1


def test_an_unknown_envelope_is_acknowledged_and_ignored(actions, slack):
    a = actions()
    envelope = a.socket.send("events_api", {"event": {"type": "app_mention"}})
    assert a.socket.wait_ack(envelope, timeout=3)
    shortcut = a.socket.send("interactive", {"type": "shortcut", "callback_id": "x"})
    assert a.socket.wait_ack(shortcut, timeout=3)
    assert a.buttons.pressed == []


def test_help_answers_anywhere_and_an_unknown_command_gets_the_help(actions, slack):
    a = actions()
    for name, text in (("h1", "help"), ("h2", "frobnicate now"), ("h3", "")):
        envelope = a.socket.send(
            "slash_commands",
            slash_command(text, channel_id="C0OTHER", response_url=slack.response_url(name)),
        )
        assert a.socket.wait_ack(envelope, timeout=3)
        [reply] = slack.wait_replies(name)
        assert "/bravo analyze <namespace>" in reply["text"]
        assert reply["response_type"] == "ephemeral"
    assert "Unknown command `frobnicate now`" in slack.replies("h2")[0]["text"]
    assert a.count("help", "ok") == 2
    assert a.count("unknown", "ok") == 1  # a bounded label, whatever was typed


def test_a_reply_goes_to_slack_only(actions, slack):
    """A response_url on another host (a forged or mistaken one) is never called."""
    a = actions()
    envelope = a.socket.send(
        "interactive", block_actions("silence", "x", response_url="http://10.0.0.1:9/steal")
    )
    assert a.socket.wait_ack(envelope, timeout=3)
    assert a.receiver.wait(lambda: a.count("silence", "ok") == 1)
    assert slack.replies() == []


def test_a_kind_without_a_handler_is_answered_not_dropped(slack):
    from alert_receiver.metrics import Metrics
    from alert_receiver.slack_dispatch import (
        Access,
        Dispatcher,
        interaction_from,
        response_origins,
    )
    from integrations.slack_socket import respond

    metrics = Metrics()
    dispatcher = Dispatcher(
        {},  # no handler registered for buttons (nor commands)
        Access(lambda: ["C0ALERTS"]),
        lambda url, r: respond(url, r.text, ephemeral=r.ephemeral, timeout=5),
        metrics,
        reply_origins=response_origins(slack.api_url),
    )
    payload = block_actions("silence", "x", response_url=slack.response_url("n"))
    reply = dispatcher.dispatch(interaction_from("interactive", payload))
    dispatcher.close()
    assert reply is not None
    assert "has no handler for buttons" in reply.text
    assert slack.replies("n")[0]["text"] == reply.text
    labels = {"action": "silence", "outcome": "unknown"}
    assert metrics.registry.get_sample_value("alert_receiver_slack_actions_total", labels) == 1
