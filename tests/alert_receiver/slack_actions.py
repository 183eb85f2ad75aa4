"""The receiver's Slack actions wired as the delivery process wires them (wiring.py), to FakeSlack
and its Socket Mode end: a stand-in button handler records what reaches it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from alert_receiver.interactions import Interaction, Reply
from alert_receiver.slack_dispatch import Dispatcher
from alert_receiver.slack_wiring import build_dispatcher, build_socket_mode
from integrations.slack_socket import SocketModeListener
from tests.alert_receiver.conftest import Receiver
from tests.fakes.slack_socket import FakeSocketMode

APP_TOKEN = "xapp-test"  # FakeSlack's app-level token


@dataclass
class StandInButtons:
    """The button handler's place (branch slack-buttons): records, answers, or fails."""

    pressed: list[Interaction] = field(default_factory=list)
    fail: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, i: Interaction) -> Reply:
        if self.fail:
            raise RuntimeError("alertmanager: connection refused")
        with self.lock:
            self.pressed.append(i)
        return Reply(f"{i.action_id} done for {i.value}")


@dataclass
class Actions:
    receiver: Receiver
    dispatcher: Dispatcher
    listener: SocketModeListener
    socket: FakeSocketMode
    buttons: StandInButtons

    def count(self, action: str, outcome: str) -> float:
        value = self.receiver.metrics.registry.get_sample_value(
            "alert_receiver_slack_actions_total", {"action": action, "outcome": outcome}
        )
        return value or 0.0

    def close(self) -> None:
        self.listener.close()
        self.dispatcher.close()


def start_actions(receiver: Receiver, socket: FakeSocketMode) -> Actions:
    buttons = StandInButtons()
    dispatcher = build_dispatcher(
        receiver.settings,
        receiver.store,
        receiver.clients,
        receiver.metrics,
        buttons=buttons.handle,
    )
    listener = build_socket_mode(receiver.settings, dispatcher)
    listener.start()
    assert socket.wait_connected()
    return Actions(receiver, dispatcher, listener, socket, buttons)
