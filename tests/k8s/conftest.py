"""What the manifest tests share: k8s/ rendered once, as `kubectl kustomize` gives it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import require_binary

K8S = Path(__file__).parents[2] / "k8s"
WORKLOADS = {"Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"}


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    kubectl = require_binary("kubectl")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S)], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def name_of(doc: dict) -> str:
    """`Kind namespace/name`, for assertion messages."""
    meta = doc.get("metadata", {})
    return f"{doc['kind']} {meta.get('namespace', '-')}/{meta.get('name')}"
