"""The outside systems the receiver talks to, built from the settings in one place.

Tests build a `Clients` of their own (fakes' URLs, a boto3 session with dummy credentials) and
pass it to `create_app` and `build_pipeline`; nothing else constructs an integration client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alert_receiver.settings import Settings
from integrations.alertmanager import AlertmanagerClient
from integrations.bedrock import BedrockClient, build_bedrock
from integrations.loki import LokiClient
from integrations.prometheus import PrometheusClient
from integrations.slack import SinkSlack, Slack, WebhookSlack, web_api
from runtime.redact import Redactor


@dataclass
class Clients:
    slack: Slack
    loki: LokiClient | None = None
    prometheus: PrometheusClient | None = None
    alertmanager: AlertmanagerClient | None = None
    bedrock: BedrockClient | None = None
    redactor: Redactor = field(default_factory=Redactor)

    def close(self) -> None:
        for c in (self.slack, self.loki, self.prometheus, self.alertmanager, self.bedrock):
            if c is not None:
                c.close()


def build_slack(settings: Settings, **kwargs: Any) -> Slack:
    """`kwargs` (timing: backoff, max_wait, max_attempts) go to the Web API or webhook client."""
    if settings.slack_mode == "api":
        return web_api(settings, **kwargs)
    if settings.slack_mode == "webhook":
        return WebhookSlack(settings.slack_webhook_url, timeout=settings.slack_timeout, **kwargs)
    return SinkSlack(settings.slack_sink)  # local: nothing to retry


def build_clients(
    settings: Settings, *, boto_session: Any = None, slack_options: dict[str, Any] | None = None
) -> Clients:
    return Clients(
        slack=build_slack(settings, **(slack_options or {})),
        loki=LokiClient(
            settings.loki_url, timeout=settings.loki_timeout, tenant=settings.loki_tenant or None
        )
        if settings.loki_url
        else None,
        prometheus=PrometheusClient(settings.prometheus_url, timeout=settings.prometheus_timeout)
        if settings.prometheus_url
        else None,
        alertmanager=AlertmanagerClient(settings.alertmanager_url)
        if settings.alertmanager_url
        else None,
        bedrock=build_bedrock(
            settings,
            settings.bedrock_agent_id,
            settings.bedrock_agent_alias_id,
            **({"session": boto_session} if boto_session is not None else {}),
        ),
        redactor=Redactor(settings.redact_patterns),
    )
