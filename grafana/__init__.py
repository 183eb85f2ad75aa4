"""Grafana dashboards as code: built from rules/config.yaml with grafana-foundation-sdk.

`python -m grafana` writes grafana/generated/*.json, the file-provisioning YAML and the
sidecar ConfigMaps under k8s/grafana-dashboards/; `python -m grafana --check` says whether the
committed files are current. `build_all(settings)` gives the dashboard models in Python.
"""

from grafana.dashboards import DASHBOARDS, build_all
from grafana.settings import GrafanaSettings, settings_from

__all__ = ["DASHBOARDS", "GrafanaSettings", "build_all", "settings_from"]
