"""What a person did in Slack, as the receiver's handlers see it, whichever way it came.

Slack delivers a button press or a slash command either over Socket Mode (`SLACK_APP_TOKEN`) or
to the signed `POST /slack/events` endpoint (`SLACK_SIGNING_SECRET`). The transports parse their
envelopes into an `Interaction`, acknowledge Slack at once (it wants an answer within 3 s), check
who may act, and then call the handler registered for the interaction's kind with it. The
handler's `Reply`, if any, goes back to the person through the interaction's `response_url`, so
a slow handler (Alertmanager, a model) never holds the acknowledgement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["button", "command"]


@dataclass(frozen=True)
class Interaction:
    kind: Kind
    user_id: str
    user_name: str
    team_id: str
    channel_id: str
    response_url: str = ""  # where the reply goes; "" when Slack gave none
    action_id: str = ""  # button: which one ("silence", "expire_silence", "acknowledge", ...)
    value: str = ""  # button: what it carries (the incident's ID, a duration, a silence ID)
    message_ts: str = ""  # button: the message it was pressed on
    command: str = ""  # command: "/bravo"
    text: str = ""  # command: the words after it ("analyze shop")
    trigger_id: str = ""


@dataclass(frozen=True)
class Reply:
    """What the person sees once the handler is done: by default only they see it."""

    text: str
    ephemeral: bool = True


Handler = Callable[[Interaction], Reply | None]
