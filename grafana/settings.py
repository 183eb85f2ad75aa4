"""What the dashboards need beyond the rules' config: links out, where they are installed, Loki.

Thresholds, selectors, the cluster label, the runbook base URL, Grafana's URL and the dashboard
file names (hence UIDs) all come from rules/config.yaml through `rules.load_config`, so a changed
threshold moves the alert and the dashboard line together. The few settings below have no key
there yet; each has a documented default and is read from `cfg.dashboards` first, so adding the
key to rules/config.yaml (and to `rules.settings.Dashboards`) takes effect without a change here.

Generated files must not depend on who ran the generator: nothing here reads the environment.
`python -m grafana --env` applies the old ConfigMap's variables the same way `python -m rules
--env` does (thresholds, GRAFANA_URL), through `load_config(environ=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.config import RulesConfig
from rules.settings import Dashboards, Thresholds

DEFAULT_PROVISIONING_PATH = "/var/lib/grafana/dashboards/monitoring-pack"

# The tag every dashboard of the pack carries: the dashboards dropdown link lists them by it.
PACK_TAG = "monitoring-pack"


@dataclass(frozen=True)
class LokiSettings:
    """How error lines are found in Loki: the rules' config's `logs:` section, which the
    receiver and the reporter read too, so a dashboard and a report count the same lines.

    Labels are promtail's / Grafana Alloy's Kubernetes defaults: `namespace`, `pod`,
    `container`, and `logs.service_label`; `level` is not relied on, because many applications
    never get it.
    """

    error_filter: str
    service_label: str
    # Istio's sidecars write access logs to the `istio-proxy` container when
    # meshConfig.accessLogFile is /dev/stdout, in Envoy's default text format.
    proxy_container: str = "istio-proxy"


@dataclass(frozen=True)
class GrafanaSettings:
    """Everything a dashboard builder reads: the rules' config plus the settings above."""

    rules: RulesConfig
    files: Dashboards  # the config's dashboard files: uid(), url()
    kiali_url: str
    folder: str
    configmap_namespace: str
    provisioning_path: str
    loki: LokiSettings

    @property
    def thresholds(self) -> Thresholds:
        return self.rules.thresholds

    @property
    def cluster_label(self) -> str:
        return self.rules.cluster_label

    def alert_for(self, alert: str) -> str:
        """How long `alert`'s condition must hold before it fires (its `for`, e.g. "15m"), so a
        panel that says when the alert fires says what the rules do."""
        return self.rules.alert_for[alert]

    def uid(self, key: str) -> str:
        return self.files.uid(key)

    def file_name(self, key: str) -> str:
        return self.files.files[key]

    def kiali(self, path: str = "") -> str:
        """A page of Kiali's console, e.g. `namespaces/<ns>/services/<svc>`."""
        return f"{self.kiali_url}/console/{path}"

    def link(self, key: str) -> str:
        """A dashboard's path inside Grafana, relative so it works behind any proxy or subpath."""
        return f"/d/{self.uid(key)}"


def settings_from(cfg: RulesConfig) -> GrafanaSettings:
    """The rules' config plus the dashboard settings, each from `cfg.dashboards` when present."""
    dashboards = cfg.dashboards
    return GrafanaSettings(
        rules=cfg,
        files=dashboards,
        kiali_url=dashboards.kiali_url.rstrip("/"),
        folder=dashboards.folder,
        configmap_namespace=dashboards.configmap_namespace,
        provisioning_path=DEFAULT_PROVISIONING_PATH,
        loki=LokiSettings(cfg.logs.error_filter, cfg.logs.service_label),
    )
