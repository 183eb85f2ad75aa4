"""The Slack actions' side, built from settings, clients and a store: the dispatcher both
transports share (slack_dispatch.py) and this process's Socket Mode connection.

The delivery process builds both when `SLACK_APP_TOKEN` is set (cli.py: one connection per
replica); a web worker builds the dispatcher when `SLACK_SIGNING_SECRET` is set (app.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alert_receiver.clients import Clients
from alert_receiver.interactions import Handler, Kind, Reply
from alert_receiver.metrics import Metrics
from alert_receiver.settings import Settings
from alert_receiver.slack_commands import Commands
from alert_receiver.slack_dispatch import Access, Dispatcher, interaction_from, response_origins
from alert_receiver.store.base import Store
from alert_receiver.wiring import build_button_actions

if TYPE_CHECKING:
    from integrations.slack_socket import SocketModeListener


def build_dispatcher(
    settings: Settings,
    store: Store,
    clients: Clients,
    metrics: Metrics,
    *,
    buttons: Handler | None = None,
) -> Dispatcher:
    """What both transports (Socket Mode, POST /slack/events) hand interactions to: `/bravo`
    (slack_commands.py) and the alert messages' buttons (slack_buttons.py; `buttons` replaces
    them, for tests and the benchmark)."""
    from integrations.slack import WebApiSlack
    from integrations.slack_socket import respond

    slack = clients.slack
    if not isinstance(slack, WebApiSlack):
        # Callers build it only when settings.slack_actions is on, which needs the bot token;
        # without one cli.py warns at start and actions stay off (README, "Acting from Slack").
        raise ValueError("acting from Slack needs SLACK_BOT_TOKEN (the Web API)")
    handlers: dict[Kind, Handler] = {
        "command": Commands(store).handle,
        "button": buttons or build_button_actions(settings, store, clients).handle,
    }
    access = Access(
        lambda: [slack.channel_id(settings.slack_channel)],
        settings.slack_allowed_usergroup,
        slack.usergroup_members,
    )

    def reply(url: str, r: Reply) -> None:
        respond(url, r.text, ephemeral=r.ephemeral, timeout=settings.slack_timeout)

    return Dispatcher(
        handlers,
        access,
        reply,
        metrics,
        reply_origins=response_origins(settings.slack_api_url),
        threads=settings.slack_action_threads,
    )


def build_socket_mode(settings: Settings, dispatcher: Dispatcher) -> SocketModeListener:
    """The Socket Mode connection of this process (the delivery process: one per replica)."""
    from integrations.slack_socket import SocketModeListener

    def on_envelope(kind: str, payload: dict) -> None:
        interaction = interaction_from(kind, payload)
        if interaction is not None:
            dispatcher.submit(interaction)

    return SocketModeListener(
        settings.slack_app_token,
        on_envelope,
        api_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
    )
