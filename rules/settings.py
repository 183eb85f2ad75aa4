"""The typed settings that rules/config.yaml loads into; what the generator and dashboards read.

Frozen dataclasses, so a loaded config cannot drift between the rules and the dashboards built
from it in one run. rules/config.py builds them; `from rules import load_config` is the way in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    warning: float
    critical: float


@dataclass(frozen=True)
class Thresholds:
    cpu: Threshold  # percent of a node's CPU / of a container's CPU limit
    memory: Threshold  # percent
    disk: Threshold  # percent
    error_rate: Threshold  # percent of requests answered 5xx
    latency: Threshold  # milliseconds


@dataclass(frozen=True)
class Selectors:
    healthcheck_exporter: str
    node_exporter: str
    node_filesystem: str
    cadvisor: str
    kube_state_metrics: str
    istio: str
    alert_receiver: str
    namespaces: tuple[str, ...]


@dataclass(frozen=True)
class HealthcheckSettings:
    """How the exporter is scraped and how its probe alerts read the samples: the window of
    HealthcheckProbeFailed is made from the scrape interval and timeout (rules/README.md)."""

    scrape_interval: str  # the PodMonitor's `interval`
    scrape_timeout: str  # the PodMonitor's `scrapeTimeout`
    probe_failed_scrapes: int  # failed scrapes in a row that page
    probe_group_interval: str
    probe_failed_node_ratio: float


@dataclass(frozen=True)
class IstioSettings:
    reporter: str
    min_request_rate: float
    latency_quantile: float
    recorded_quantiles: tuple[float, ...]


@dataclass(frozen=True)
class Dashboards:
    base_url: str
    files: Mapping[str, str]
    kiali_url: str  # Kiali's root URL; dashboards link to /kiali/console/... under it
    folder: str  # the Grafana folder the dashboards are provisioned into
    configmap_namespace: str  # where the sidecar-labelled dashboard ConfigMaps go

    def uid(self, key: str) -> str:
        """kubernetes-mixin's scheme: the md5 of the dashboard's file name."""
        return hashlib.md5(self.files[key].encode(), usedforsecurity=False).hexdigest()

    def url(self, key: str) -> str:
        return f"{self.base_url.rstrip('/')}/d/{self.uid(key)}"


@dataclass(frozen=True)
class LogsSettings:
    """What an error log line is and which stream label names a service: the receiver's log
    excerpts, the report's error counts and the dashboards' log panels read these alike."""

    error_filter: str  # a regex for LogQL's `|~` (RE2), also matched in Python
    service_label: str

    @property
    def error_line(self) -> re.Pattern[str]:
        return re.compile(self.error_filter)


@dataclass(frozen=True)
class PackSettings:
    """Where the pack's own receiver and reporter run, and how late is too late for them."""

    namespace: str  # of the receiver's Deployment and the reporter's CronJobs
    receiver_deployment: str
    queue_max_age: str  # AlertReceiverQueueStuck: the oldest queued task older than this
    reporter_cronjobs: Mapping[str, str]  # CronJob -> longest time between successful runs
    reporter_failure_window: str  # a failed report Job alerts for this long after its start


@dataclass(frozen=True)
class PrometheusRuleSettings:
    name: str
    namespace: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class RulesConfig:
    source: str  # where it was read from, for messages and the generated files' header
    thresholds: Thresholds
    alert_for: Mapping[str, str]
    selectors: Selectors
    cluster_label: str
    healthcheck: HealthcheckSettings
    istio: IstioSettings
    runbook_base_url: str
    dashboards: Dashboards
    logs: LogsSettings
    prometheusrule: PrometheusRuleSettings
    pack: PackSettings
    omit_upstream_recording_rules: bool
    env_overrides: tuple[str, ...] = ()  # names of the environment variables that were applied
