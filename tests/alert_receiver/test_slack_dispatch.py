"""slack_dispatch: Slack's payloads as Interactions, who may act, bounded action names."""

from __future__ import annotations

from alert_receiver.interactions import Interaction
from alert_receiver.slack_dispatch import Access, action_of, interaction_from, response_hosts
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


def test_the_channel_is_resolved_until_it_is_known():
    answers = iter([Unavailable("slack", "down"), ["C0ALERTS"]])

    def resolve():
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    access = Access(resolve)
    here = Interaction("button", "U", "u", "T", "C0ALERTS")
    assert not access.allowed(here)
    assert access.allowed(here)
    assert access.allowed(here)  # kept: no third resolution


def test_replies_go_to_slack_hosts_only():
    assert response_hosts("https://slack.com/api/") == {"hooks.slack.com", "slack.com"}
    assert response_hosts("http://127.0.0.1:5000/api/") == {"hooks.slack.com", "127.0.0.1"}
