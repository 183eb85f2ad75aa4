"""Build the delivery side (pipeline + engine) from settings, clients and a store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alert_receiver.analysis import Analyst, RelatedMetrics
from alert_receiver.clients import Clients
from alert_receiver.delivery import Delivery
from alert_receiver.logs import LogFetcher
from alert_receiver.message import Links
from alert_receiver.metrics import Metrics
from alert_receiver.ondemand import StateCollector
from alert_receiver.pipeline import Pipeline
from alert_receiver.settings import Settings
from alert_receiver.slack_buttons import ButtonActions
from alert_receiver.slack_dispatch import response_origins
from alert_receiver.slack_watch import WatchedSlack
from alert_receiver.store.base import Store


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
        WatchedSlack(clients.slack, metrics),
        fetcher,
        analyst,
        metrics,
        state=StateCollector(
            clients.alertmanager, clients.prometheus, clients.loki, settings.rules.logs
        ),
        first_post_wait=settings.first_post_wait,
        first_post_wait_critical=settings.first_post_wait_critical,
        tz=settings.timezone,
        links=Links(settings.grafana_url, settings.kiali_url, settings.alertmanager_url),
        mention=settings.slack_mention,
        cache_ttl=settings.analysis_cache_ttl,
        redactor=clients.redactor,
        buttons=settings.slack_buttons,
        respond=_responder(settings),
        reply_origins=response_origins(settings.slack_api_url),
    )


def _responder(settings: Settings) -> Callable[[str, dict[str, Any]], None]:
    """How the pipeline answers a person through a slash command's `response_url`."""

    def answer(url: str, message: dict[str, Any]) -> None:
        from integrations.slack_socket import respond

        respond(
            url,
            message["text"],
            blocks=message.get("blocks"),
            attachments=message.get("attachments"),
            timeout=settings.slack_timeout,
        )

    return answer


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


def build_button_actions(settings: Settings, store: Store, clients: Clients) -> ButtonActions:
    """The handler of the messages' buttons, for the Slack transports to call."""
    return ButtonActions(store, clients.alertmanager, clients.slack, tz=settings.timezone)
