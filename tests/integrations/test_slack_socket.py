"""integrations.slack_socket against FakeSlack and its Socket Mode end (FakeSocketMode): slack-sdk's
own client on a loopback WebSocket, acknowledgements, reconnection, replies to response_url."""

from __future__ import annotations

import threading
import time

import pytest

from integrations.errors import Rejected
from integrations.slack import WebApiSlack
from integrations.slack_socket import SocketModeListener, respond
from tests.fakes import FakeSlack
from tests.fakes.slack_socket import block_actions, slash_command


@pytest.fixture
def slack():
    with FakeSlack(
        channel_names={"C0ALERTS": "alerts", "C0OTHER": "random"},
        usergroups={"S0ONCALL": {"U0BOB", "U0CAROL"}},
    ) as fake:
        yield fake


class Received:
    def __init__(self, hold: threading.Event | None = None) -> None:
        self.items: list[tuple[str, dict]] = []
        self.hold = hold

    def __call__(self, kind: str, payload: dict) -> None:
        if self.hold is not None:
            self.hold.wait(30)
        self.items.append((kind, payload))

    def wait(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.items) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(self.items) >= count


@pytest.fixture
def listen(slack):
    made: list[SocketModeListener] = []

    def make(on_envelope, token: str = "xapp-test", ping_interval: float = 5.0):  # noqa: S107
        listener = SocketModeListener(
            token, on_envelope, api_url=slack.api_url, timeout=5, ping_interval=ping_interval
        )
        made.append(listener)
        listener.start()
        return listener

    yield make
    for listener in made:
        listener.close()


def test_envelopes_are_acknowledged_at_once_and_handed_over(slack, listen):
    socket = slack.open_socket_mode()
    got = Received()
    listen(got)
    assert socket.wait_connected()
    press = socket.send("interactive", block_actions("silence", "incident-1"))
    command = socket.send("slash_commands", slash_command("analyze shop"))
    assert socket.wait_ack(press)
    assert socket.wait_ack(command)
    assert press.ack_seconds < 3
    assert command.ack_seconds < 3
    assert got.wait(2)
    assert sorted(kind for kind, _ in got.items) == ["interactive", "slash_commands"]
    assert slack.count("apps.connections.open") == 1


def test_the_ack_never_waits_for_the_work(slack, listen):
    socket = slack.open_socket_mode()
    release = threading.Event()
    got = Received(hold=release)
    listen(got)
    assert socket.wait_connected()
    envelope = socket.send("interactive", block_actions("acknowledge", "incident-1"))
    assert socket.wait_ack(envelope, timeout=3)
    assert got.items == []  # still working on it, acknowledged all the same
    release.set()
    assert got.wait(1)


@pytest.mark.parametrize("how", ["close frame", "refresh notice"])
def test_reconnects_when_slack_ends_the_connection(slack, listen, how):
    socket = slack.open_socket_mode()
    got = Received()
    listen(got)
    assert socket.wait_connected()
    if how == "close frame":
        socket.drop(graceful=True)
    else:
        socket.refresh()
    assert socket.wait_connected(count=2)
    assert slack.count("apps.connections.open") == 2  # a fresh URL for each connection
    envelope = socket.send("slash_commands", slash_command("help"))
    assert socket.wait_ack(envelope)
    assert got.wait(1)


def test_reconnects_when_the_socket_just_dies(slack, listen):
    """No close frame: the client notices the missing pongs (4 ping intervals) and dials again."""
    socket = slack.open_socket_mode()
    got = Received()
    listen(got, ping_interval=0.5)
    assert socket.wait_connected()
    socket.drop(graceful=False)
    assert socket.wait_connected(count=2, timeout=20)
    envelope = socket.send("interactive", block_actions("silence", "incident-2"))
    assert socket.wait_ack(envelope)
    assert got.wait(1)


def test_a_wrong_app_token_never_connects(slack, listen):
    socket = slack.open_socket_mode()
    listener = listen(Received(), token="xapp-wrong")
    deadline = time.monotonic() + 2.5
    while slack.count("apps.connections.open", ok=False) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slack.count("apps.connections.open", ok=False) >= 2  # retried, with backoff
    assert not listener.connected
    assert socket.connections == []


def test_respond_sends_ephemeral_and_in_channel_replies(slack):
    respond(slack.response_url("a"), "only you", timeout=5)
    respond(slack.response_url("a"), "everyone", ephemeral=False, timeout=5)
    assert slack.replies("a") == [
        {"text": "only you", "response_type": "ephemeral", "replace_original": False},
        {"text": "everyone", "response_type": "in_channel", "replace_original": False},
    ]
    slack.expired_responses.add("old")  # after 30 minutes or 5 uses
    with pytest.raises(Rejected, match="404 expired_url"):
        respond(slack.response_url("old"), "too late", timeout=5)


def test_channel_ids_and_usergroup_members(slack):
    api = WebApiSlack(slack.token, "C0ALERTS", base_url=slack.api_url, timeout=5)
    assert api.channel_id("C0ALERTS") == "C0ALERTS"  # an ID: no call
    assert slack.count("conversations.list") == 0
    assert api.channel_id("#random") == "C0OTHER"
    assert api.channel_id("alerts") == "C0ALERTS"
    with pytest.raises(Rejected, match="no channel named 'nope'"):
        api.channel_id("nope")
    assert api.usergroup_members("S0ONCALL") == {"U0BOB", "U0CAROL"}
    with pytest.raises(Rejected, match="no_such_subteam"):
        api.usergroup_members("S0NOBODY")


def test_slack_down_at_start_is_waited_out(slack, listen):
    socket = slack.open_socket_mode()
    slack.fail("apps.connections.open", 503, times=2)
    got = Received()
    listen(got)
    assert socket.wait_connected(timeout=15)  # after 1 s and 2 s of backoff
    assert slack.count("apps.connections.open", ok=False) == 2
    envelope = socket.send("slash_commands", slash_command("help"))
    assert socket.wait_ack(envelope)
