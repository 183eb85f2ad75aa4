"""The outside systems the reporter talks to, built from the settings in one place (as the
receiver's alert_receiver/clients.py): Prometheus, the Kubernetes API, Loki and Bedrock. The
delivery channels' Slack and SES are built where they send (reporter/dispatch.py).

A system that is not configured is None; one that is configured but cannot even be set up (a
kubeconfig that does not load, Bedrock without a region) is None with the reason in
`unavailable`, and the report says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from integrations.bedrock import BedrockClient, build_bedrock
from integrations.errors import IntegrationError, NotConfigured
from integrations.kubernetes import KubernetesClient
from integrations.loki import LokiClient
from integrations.prometheus import PrometheusClient
from reporter.settings import Settings

log = logging.getLogger("reporter")


@dataclass
class Clients:
    prometheus: PrometheusClient | None = None
    kubernetes: KubernetesClient | None = None
    loki: LokiClient | None = None
    bedrock: BedrockClient | None = None
    unavailable: dict[str, str] = field(default_factory=dict)  # system -> why not

    def close(self) -> None:
        for c in (self.prometheus, self.kubernetes, self.loki, self.bedrock):
            if c is not None:
                c.close()


def build_clients(settings: Settings, environ: Mapping[str, str]) -> Clients:
    clients = Clients()
    if settings.prometheus_url:
        clients.prometheus = PrometheusClient(
            settings.prometheus_url, timeout=settings.prometheus_timeout
        )
    if settings.loki_url:
        clients.loki = LokiClient(
            settings.loki_url, timeout=settings.loki_timeout, tenant=settings.loki_tenant or None
        )
    if settings.kubernetes != "off":
        try:
            clients.kubernetes = KubernetesClient.from_config(
                kubeconfig=settings.kubeconfig or None,
                context=settings.kubernetes_context or None,
                environ=environ,
                timeout=settings.kubernetes_timeout,
            )
        except NotConfigured as e:
            # auto: no in-cluster service account and no kubeconfig is "not configured", and
            # the report says so; a kubeconfig that exists but does not load is a failure.
            log.info("kubernetes: %s", e.reason)
            if settings.kubeconfig or environ.get("KUBERNETES_SERVICE_HOST"):
                clients.unavailable["kubernetes"] = e.reason
    try:
        clients.bedrock = build_bedrock(
            settings, settings.bedrock_agent_id, settings.bedrock_agent_alias_id
        )
    except IntegrationError as e:
        log.error("bedrock: %s", e)
        clients.unavailable["bedrock"] = e.reason
    return clients
