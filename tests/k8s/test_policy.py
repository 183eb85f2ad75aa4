"""Policies a cluster's security review checks, over the rendered k8s/ (so a new workload is held
to them without a new test): third-party images pinned by digest and past known advisories."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import require_binary

K8S = Path(__file__).parents[2] / "k8s"
WORKLOADS = {"Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob"}
OUR_IMAGE = "registry.example.com/bravo-monitoring-pack:"  # built from Dockerfile, set per site
# The oldest release of each line that has every fix we know of (k8s/README.md, "Keeping images
# current"): Redis 7.2.11 for the 2024-2025 Lua and unauthenticated DoS advisories.
MINIMUM = {"docker.io/library/redis": (7, 2, 11)}


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    kubectl = require_binary("kubectl")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S)], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def _name(doc: dict) -> str:
    meta = doc.get("metadata", {})
    return f"{doc['kind']} {meta.get('namespace', '-')}/{meta.get('name')}"


def _containers(rendered: list[dict]):
    """(where, container) for every container and init container of every workload."""
    for doc in rendered:
        if doc["kind"] not in WORKLOADS:
            continue
        spec = doc["spec"]
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec["template"]["spec"]
        for c in pod["containers"] + pod.get("initContainers", []):
            yield f"{_name(doc)} container {c['name']}", c


def test_third_party_images_are_pinned_by_digest_and_past_known_advisories(rendered):
    images = [(where, c["image"]) for where, c in _containers(rendered)]
    assert any(image.startswith(OUR_IMAGE) for _, image in images)
    others = [(where, image) for where, image in images if not image.startswith(OUR_IMAGE)]
    assert others
    for where, image in others:
        m = re.fullmatch(r"([^:@]+(?::\d+)?[^:@]*):([^@]+)@sha256:([0-9a-f]{64})", image)
        assert m, f"{where}: {image} is not name:tag@sha256:digest"
        name, tag = m.group(1), m.group(2)
        if name in MINIMUM:
            version = tuple(int(n) for n in re.match(r"(\d+)\.(\d+)\.(\d+)", tag).groups())
            assert version >= MINIMUM[name], f"{where}: {image} is older than {MINIMUM[name]}"
