"""Build the delivery side (pipeline + engine) from settings, clients and a store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alert_receiver.analysis import Analyst, RelatedMetrics
from alert_receiver.clients import Clients
from alert_receiver.delivery import Delivery
from alert_receiver.interactions import Handler, Kind, Reply
from alert_receiver.logs import LogFetcher
from alert_receiver.message import Links
from alert_receiver.metrics import Metrics
from alert_receiver.ondemand import StateCollector
from alert_receiver.pipeline import Pipeline
from alert_receiver.settings import Settings
from alert_receiver.slack_commands import Commands
from alert_receiver.slack_dispatch import Access, Dispatcher, interaction_from, response_hosts
from alert_receiver.store.base import Store

if TYPE_CHECKING:
    from integrations.slack_socket import SocketModeListener


def build_pipeline(
    settings: Settings, store: Store, clients: Clients, metrics: Metrics
) -> Pipeline:
    fetcher = LogFetcher(
        clients.loki,
        clients.redactor,
        concurrency=settings.loki_concurrency,
        timeout=settings.loki_timeout,
        before=settings.loki_window_before,
        after=settings.loki_window_after,
        max_lines=settings.loki_max_lines,
        max_streams=settings.loki_max_streams,
        logs=settings.rules.logs,
        observe=metrics.observer("loki"),
    )
    analyst = Analyst(
        clients.bedrock,
        RelatedMetrics(
            clients.prometheus,
            timeout=settings.prometheus_timeout,
            observe=metrics.observer("prometheus"),
        ),
        clients.redactor,
        language=settings.analysis_language,
        max_prompt_chars=settings.bedrock_max_prompt_chars,
        observe=metrics.observer("bedrock"),
    )
    return Pipeline(
        store,
        clients.slack,
        fetcher,
        analyst,
        metrics,
        state=StateCollector(
            clients.alertmanager, clients.prometheus, clients.loki, settings.rules.logs
        ),
        first_post_wait=settings.first_post_wait,
        tz=settings.timezone,
        links=Links(settings.grafana_url, settings.kiali_url, settings.alertmanager_url),
        mention=settings.slack_mention,
        cache_ttl=settings.analysis_cache_ttl,
        redactor=clients.redactor,
    )


def build_delivery(
    settings: Settings,
    store: Store,
    clients: Clients,
    metrics: Metrics,
    *,
    owner: str | None = None,
    recover_prefix: str | None = None,
    poll: float = 0.02,
    retry_base: float = 1.0,
) -> Delivery:
    return Delivery(
        store,
        build_pipeline(settings, store, clients, metrics),
        metrics,
        concurrency={
            "slack": settings.slack_concurrency,
            "logs": settings.loki_concurrency,
            "analysis": settings.analysis_concurrency,
        },
        owner=owner,
        recover_prefix=recover_prefix,
        lease=settings.lease,
        retry_base=retry_base,
        retry_max=settings.retry_max_delay,
        retention=settings.retention,
        poll=poll,
    )


def button_handler(
    settings: Settings, store: Store, clients: Clients, metrics: Metrics
) -> Handler | None:
    """The handler of the alert messages' buttons (Silence, Acknowledge, Analyse again).

    Hook for the button actions (alert_receiver/slack_buttons.py, `ButtonActions(...).handle`):
    until they are wired here, a button press is answered "not handled yet" and counted as
    `outcome="unknown"`.
    """
    return None


def build_dispatcher(
    settings: Settings,
    store: Store,
    clients: Clients,
    metrics: Metrics,
    *,
    buttons: Handler | None = None,
) -> Dispatcher:
    """What both transports (Socket Mode, POST /slack/events) hand interactions to."""
    from integrations.slack import WebApiSlack
    from integrations.slack_socket import respond

    slack = clients.slack
    if not isinstance(slack, WebApiSlack):  # settings.problems() makes this a start-up error
        raise ValueError("acting from Slack needs SLACK_BOT_TOKEN (the Web API)")
    handlers: dict[Kind, Handler] = {"command": Commands(store).handle}
    button = buttons or button_handler(settings, store, clients, metrics)
    if button is not None:
        handlers["button"] = button
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
        reply_hosts=response_hosts(settings.slack_api_url),
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
