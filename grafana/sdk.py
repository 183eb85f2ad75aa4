"""The one place that imports grafana-foundation-sdk, so its deprecation notice is muted once.

grafana-foundation-sdk 0.0.21 (pinned exactly in setup.cfg) builds v1 dashboard JSON, which
Grafana 11 and 12 provision from files and from the sidecar's ConfigMaps. Its v1 `Dashboard`
classes warn at import time ("Prefer using dashboardv2.Dashboard instead."): the v2 schema is
still experimental in Grafana 12 and not what file provisioning loads. Only that warning is
filtered, only around the import, so every other warning still fails the tests.

Everything else in grafana/ (and tests/grafana/) imports the SDK's modules from here: the
`*_model` names are the typed models, the others the builders.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message=r"Prefer using dashboardv2\.Dashboard instead\.",
        category=DeprecationWarning,
    )
    from grafana_foundation_sdk.builders import common as common_builder
    from grafana_foundation_sdk.builders import dashboard as dashboard_builder
    from grafana_foundation_sdk.builders import (
        logs,
        loki,
        prometheus,
        stat,
        statetimeline,
        table,
        timeseries,
    )
    from grafana_foundation_sdk.cog import builder as cogbuilder
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as model
    from grafana_foundation_sdk.models import logs as logs_model
    from grafana_foundation_sdk.models import loki as loki_model
    from grafana_foundation_sdk.models import prometheus as prometheus_model
    from grafana_foundation_sdk.models import stat as stat_model
    from grafana_foundation_sdk.models import statetimeline as statetimeline_model
    from grafana_foundation_sdk.models import table as table_model
    from grafana_foundation_sdk.models import timeseries as timeseries_model

__all__ = [
    "JSONEncoder",
    "cogbuilder",
    "common",
    "common_builder",
    "dashboard_builder",
    "from_json",
    "logs",
    "logs_model",
    "loki",
    "loki_model",
    "model",
    "prometheus",
    "prometheus_model",
    "stat",
    "stat_model",
    "statetimeline",
    "statetimeline_model",
    "table",
    "table_model",
    "timeseries",
    "timeseries_model",
    "to_data",
]


def to_data(dashboard: model.Dashboard) -> dict[str, Any]:
    """The dashboard as plain JSON data (dicts, lists, strings, numbers)."""
    data: dict[str, Any] = json.loads(json.dumps(dashboard, cls=JSONEncoder))
    return data


def from_json(data: dict[str, Any]) -> model.Dashboard:
    """Load dashboard JSON into the SDK's typed models: options, field config and queries are
    decoded by panel and datasource type once the SDK's plugins are registered (without that,
    `from_json` keeps them as plain dicts and checks nothing)."""
    register_default_plugins()
    return model.Dashboard.from_json(data)
