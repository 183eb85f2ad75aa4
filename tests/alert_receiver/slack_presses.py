"""Button presses as Slack sends them: a `block_actions` payload built from the buttons of a
message as FakeSlack holds it, the `Interaction` a transport makes of it, and what the message
and the answer say."""

from __future__ import annotations

import json
from typing import Any

from alert_receiver.interactions import Interaction, Reply

JANE = ("U0JANE", "jane.doe")
BOB = ("U0BOB", "bob")


def actions_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The elements of the message's actions block; [] when it has none."""
    attachments = message.get("attachments") or []
    if isinstance(attachments, str):
        attachments = json.loads(attachments)
    for a in attachments:
        for block in a.get("blocks") or []:
            if block.get("type") == "actions":
                return block["elements"]
    return []


def block_actions(
    message: dict[str, Any],
    action_id: str,
    *,
    user: tuple[str, str] = JANE,
    option: str | None = None,
    channel: str = "C0ALERTS",
) -> dict[str, Any]:
    """The payload Slack sends when `user` presses `action_id` on `message` (a select menu:
    picks the option whose label is `option`)."""
    [element] = [e for e in actions_of(message) if e["action_id"] == action_id]
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": action_id,
        "block_id": "incident_actions",
        "action_ts": "1700000000.000100",
    }
    if element["type"] == "static_select":
        [chosen] = [o for o in element["options"] if o["text"]["text"] == option]
        action["selected_option"] = chosen
    else:
        action["value"] = element["value"]
        action["text"] = element["text"]
    return {
        "type": "block_actions",
        "user": {"id": user[0], "username": user[1], "name": user[1], "team_id": "T0TEAM"},
        "team": {"id": "T0TEAM", "domain": "example"},
        "channel": {"id": channel, "name": "alerts"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
        "message": {"ts": message["ts"], "type": "message"},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/xyz",
        "trigger_id": "1.2.3",
        "actions": [action],
    }


def interaction(payload: dict[str, Any]) -> Interaction:
    """What a transport makes of a `block_actions` payload: a select's value is its option's."""
    [action] = payload["actions"]
    value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    return Interaction(
        kind="button",
        user_id=payload["user"]["id"],
        user_name=payload["user"]["username"],
        team_id=payload["team"]["id"],
        channel_id=payload["channel"]["id"],
        response_url=payload["response_url"],
        action_id=action["action_id"],
        value=value,
        message_ts=payload["container"]["message_ts"],
        trigger_id=payload["trigger_id"],
    )


def press(message: dict[str, Any], action_id: str, **kwargs: Any) -> Interaction:
    return interaction(block_actions(message, action_id, **kwargs))


def said(reply: Reply | None) -> str:
    assert reply is not None
    return reply.text


def blocks_text(message: dict[str, Any]) -> str:
    """Every text of the message's blocks, buttons' labels included."""
    out = []
    for a in message.get("attachments") or []:
        for b in a["blocks"]:
            out.append((b.get("text") or {}).get("text", ""))
            out += [f.get("text", "") for f in b.get("fields") or []]
            for e in b.get("elements") or []:
                text = e.get("text", "")
                out.append(text["text"] if isinstance(text, dict) else text)
    return "\n".join(out)
