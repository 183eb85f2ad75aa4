"""Render the dashboards and their provisioning files, and find the files it wrote earlier.

Three outputs, all from the same dashboard models:
- grafana/generated/<file>.json: the dashboard JSON, for file provisioning or import (built by
  grafana/dashboards/<name>.py, kept apart from them as rules/generated/ is from rules/);
- grafana/provisioning/dashboards.yaml: Grafana's file-provider config for those files;
- k8s/grafana-dashboards/<name>.yaml: one ConfigMap per dashboard labelled
  `grafana_dashboard: "1"` for kube-prometheus-stack's sidecar, and a kustomization listing them.

Output is deterministic (sorted JSON keys, fixed indentation, no timestamps or versions) so the
files can be committed and CI can diff them; rules/output.py writes and checks them, as it does
for the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grafana.dashboards import DASHBOARDS
from grafana.sdk import to_data
from grafana.settings import PACK_TAG, GrafanaSettings
from rules.output import LiteralBlock, dump, header, written_by

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
GENERATED_DIR = PACKAGE_DIR / "generated"
PROVISIONING_PATH = PACKAGE_DIR / "provisioning" / "dashboards.yaml"
K8S_DIR = REPO_ROOT / "k8s" / "grafana-dashboards"
PROG = "python -m grafana"
CONFIGMAP_PREFIX = "grafana-dashboard-"


def render_dashboards(s: GrafanaSettings) -> dict[str, str]:
    """File name -> dashboard JSON text, for every dashboard."""
    out = {}
    for key, build in DASHBOARDS.items():
        data = to_data(build(s))
        out[s.file_name(key)] = (
            json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
    return out


def render_provisioning(s: GrafanaSettings) -> str:
    """Grafana's dashboard provider for the JSON files copied to `provisioning_path`."""
    provider = {
        "apiVersion": 1,
        "providers": [
            {
                "name": PACK_TAG,
                "orgId": 1,
                "folder": s.folder,
                "type": "file",
                "disableDeletion": False,
                # Changes belong in grafana/dashboards/*.py; a saved UI edit would be lost on
                # the next provisioning run anyway.
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": s.provisioning_path, "foldersFromFilesStructure": False},
            }
        ],
    }
    return header(PROG, s.rules) + dump(provider)


def configmap_name(file_name: str) -> str:
    return CONFIGMAP_PREFIX + Path(file_name).stem


def render_configmaps(s: GrafanaSettings, dashboards: dict[str, str]) -> dict[str, str]:
    """File name -> ConfigMap YAML for the sidecar, plus kustomization.yaml listing them."""
    out: dict[str, str] = {}
    for file_name, text in dashboards.items():
        resource: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": configmap_name(file_name),
                "namespace": s.configmap_namespace,
                "labels": {
                    "grafana_dashboard": "1",
                    "app.kubernetes.io/name": configmap_name(file_name),
                    "app.kubernetes.io/part-of": "bravo-monitoring-pack",
                },
                # Honoured when the sidecar's folderAnnotation is grafana_folder.
                "annotations": {"grafana_folder": s.folder},
            },
            "data": {file_name: LiteralBlock(text)},
        }
        out[f"{Path(file_name).stem}.yaml"] = header(PROG, s.rules) + dump(resource)
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(out),
    }
    out["kustomization.yaml"] = header(PROG, s.rules) + dump(kustomization)
    return out


def render_all(
    s: GrafanaSettings,
    dashboard_dir: Path = GENERATED_DIR,
    provisioning: Path = PROVISIONING_PATH,
    k8s_dir: Path = K8S_DIR,
) -> dict[Path, str]:
    """Path -> content of every generated file."""
    dashboards = render_dashboards(s)
    files = {dashboard_dir / name: text for name, text in dashboards.items()}
    files[provisioning] = render_provisioning(s)
    for name, text in render_configmaps(s, dashboards).items():
        files[k8s_dir / name] = text
    return files


def written_earlier(dashboard_dir: Path, k8s_dir: Path) -> list[Path]:
    """The files in those folders this generator wrote: dashboard JSON tagged with the pack's tag
    (JSON has no header comment) and ConfigMaps with its header; other files there stay alone."""
    ours = [p for p in sorted(dashboard_dir.glob("*.json")) if _is_ours_json(p)]
    return ours + written_by(PROG, k8s_dir.glob("*.yaml"))


def _is_ours_json(path: Path) -> bool:
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError:
        return False
    return isinstance(data, dict) and PACK_TAG in (data.get("tags") or [])
