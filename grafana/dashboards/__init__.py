"""The pack's dashboards: one module per dashboard, each `build(settings) -> Dashboard`.

Keys are those of `dashboards.files` in rules/config.yaml;
the file name gives the UID the alerts' `dashboard_url` already points at.
"""

from __future__ import annotations

from collections.abc import Callable

from grafana.dashboards import (
    containers,
    errors_by_stage,
    haproxy,
    healthcheck,
    nodes,
    overview,
    pack_health,
    services,
)
from grafana.sdk import model
from grafana.settings import GrafanaSettings

Builder = Callable[[GrafanaSettings], model.Dashboard]

# Key -> builder, in the order the dashboards dropdown lists them.
DASHBOARDS: dict[str, Builder] = {
    overview.KEY: overview.build,
    nodes.KEY: nodes.build,
    containers.KEY: containers.build,
    services.KEY: services.build,
    errors_by_stage.KEY: errors_by_stage.build,
    healthcheck.KEY: healthcheck.build,
    haproxy.KEY: haproxy.build,
    pack_health.KEY: pack_health.build,
}


def build_all(s: GrafanaSettings) -> dict[str, model.Dashboard]:
    """Key -> dashboard model, for every dashboard."""
    return {key: build(s) for key, build in DASHBOARDS.items()}
