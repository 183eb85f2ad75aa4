"""slack_dispatch: Slack's payloads as Interactions, who may act, bounded action names."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from alert_receiver.interactions import Interaction, Reply
from alert_receiver.metrics import Metrics
from alert_receiver.slack_dispatch import (
    Access,
    Dispatcher,
    action_of,
    interaction_from,
    response_origins,
)
from integrations.errors import Unavailable
from tests.fakes.slack_socket import block_actions, slash_command


def test_a_select_menu_carries_its_chosen_value():
    payload = block_actions("silence_for", "")
    payload["actions"][0].update(
        type="static_select", selected_option={"value": "4h", "text": {"text": "4 hours"}}
    )
    del payload["actions"][0]["value"]
    i = interaction_from("interactive", payload)
    assert i is not None
    assert (i.kind, i.action_id, i.value) == ("button", "silence_for", "4h")


def test_a_slash_command_and_what_is_not_ours():
    i = interaction_from("slash_commands", slash_command("  analyze shop "))
    assert i is not None
    assert (i.kind, i.command, i.text, i.channel_id) == (
        "command",
        "/bravo",
        "analyze shop",
        "C0ALERTS",
    )
    assert interaction_from("interactive", {"type": "view_submission"}) is None
    assert interaction_from("events_api", {"event": {}}) is None
    assert interaction_from("interactive", {"type": "block_actions", "actions": []}) is not None


def test_action_names_are_a_bounded_set():
    def command(text: str) -> Interaction:
        return Interaction("command", "U", "u", "T", "C", text=text)

    assert [action_of(command(t)) for t in ("", "help", "Analyse ns", "x" * 500)] == [
        "help",
        "help",
        "analyze",
        "unknown",
    ]
    button = Interaction("button", "U", "u", "T", "C", action_id="expire_silence")
    assert action_of(button) == "expire_silence"
    odd = Interaction("button", "U", "u", "T", "C", action_id="Robert'); DROP")
    assert action_of(odd) == "other"


def test_the_member_list_is_kept_a_while_and_errors_say_no():
    now = [0.0]
    calls = []

    def members(group: str) -> frozenset[str]:
        calls.append(group)
        if len(calls) == 3:
            raise Unavailable("slack", "usergroups.users.list: down")
        return frozenset({"U0BOB"})

    access = Access(lambda: ["C0ALERTS"], "S0ONCALL", members, ttl=60, clock=lambda: now[0])
    bob = Interaction("button", "U0BOB", "bob", "T", "C0ELSEWHERE")
    assert access.allowed(bob)
    now[0] = 59
    assert access.allowed(bob)
    assert len(calls) == 1
    now[0] = 61
    assert access.allowed(bob)
    now[0] = 122
    assert not access.allowed(bob)  # Slack could not say: no
    now[0] = 123
    assert access.allowed(bob)
    assert len(calls) == 4


def test_the_channel_is_resolved_until_it_is_known_and_a_failure_is_kept_a_minute():
    now = [0.0]
    calls = []
    answers = iter([Unavailable("slack", "channel_not_found"), ["C0ALERTS"]])

    def resolve():
        calls.append(now[0])
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    access = Access(resolve, clock=lambda: now[0])
    here = Interaction("button", "U", "u", "T", "C0ALERTS")
    assert not access.allowed(here)
    now[0] = 59
    assert not access.allowed(here)  # not asked again: a wrong name is one search a minute
    assert calls == [0.0]
    now[0] = 61
    assert access.allowed(here)
    now[0] = 1000
    assert access.allowed(here)  # kept: no third resolution
    assert calls == [0.0, 61]


def test_a_slow_channel_look_up_is_made_once_and_holds_up_nothing_else():
    asked, answer = threading.Event(), threading.Event()
    calls = []

    def resolve():
        calls.append(1)
        asked.set()
        assert answer.wait(10)
        return ["C0ALERTS"]

    access = Access(resolve, "S0ONCALL", lambda group: frozenset({"U0BOB"}))
    here = Interaction("button", "U0JANE", "jane", "T", "C0ALERTS")
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(access.allowed, here)
        assert asked.wait(10)
        second = pool.submit(access.allowed, here)  # waits for the look-up under way
        assert access.group_members() == {"U0BOB"}  # not held up by the look-up
        assert not second.done()
        answer.set()
        assert first.result(10)
        assert second.result(10)
    assert calls == [1]


def dispatcher(replies: list[str], api_url: str) -> Dispatcher:
    return Dispatcher(
        {"button": lambda i: Reply("done")},
        Access(lambda: ["C0ALERTS"]),
        lambda url, r: replies.append(url),
        Metrics(),
        reply_origins=response_origins(api_url),
    )


def test_replies_go_to_slack_over_https_or_to_the_web_apis_own_origin_only():
    assert response_origins("https://slack.com/api/") == {
        "https://hooks.slack.com:443",
        "https://slack.com:443",
    }
    assert response_origins("http://127.0.0.1:5000/api/") == {
        "https://hooks.slack.com:443",
        "http://127.0.0.1:5000",
    }
    cases = {
        "https://hooks.slack.com/actions/T0/1/abc": True,
        "https://HOOKS.slack.com:443/actions/T0/1/abc": True,
        "http://hooks.slack.com/actions/T0/1/abc": False,  # in the clear
        "https://hooks.slack.com:8443/actions/T0/1/abc": False,
        "https://hooks.slack.com.example.org/actions/T0/1/abc": False,
        "https://hooks.slack.com@example.org/actions": False,
        "http://127.0.0.1:5000/_response/x": True,  # the fake, as SLACK_API_URL names it
        "https://127.0.0.1:5000/_response/x": False,
        "http://127.0.0.1:5001/_response/x": False,
        "http://127.0.0.1:bad/_response/x": False,
        "file:///etc/passwd": False,
    }
    replies: list[str] = []
    d = dispatcher(replies, "http://127.0.0.1:5000/api/")
    try:
        for url in cases:
            payload = block_actions("silence", "x", response_url=url)
            reply = d.dispatch(interaction_from("interactive", payload))
            assert reply is not None
    finally:
        d.close()
    assert replies == [url for url, followed in cases.items() if followed]
