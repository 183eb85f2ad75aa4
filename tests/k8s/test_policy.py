"""Policies a cluster's security review checks, over the rendered k8s/ (so a new workload is held
to them without a new test): secrets reach workloads only as mounted files, never through the
environment or a command line; third-party images are pinned by digest and past known advisories.
"""

from __future__ import annotations

import re

from alert_receiver.settings import Settings as ReceiverSettings
from reporter.settings import Settings as ReporterSettings
from runtime.settings import describe_env
from tests.k8s.conftest import WORKLOADS, name_of

OUR_IMAGE = "registry.example.com/bravo-monitoring-pack:"  # built from Dockerfile, set per site
# The oldest release of each line that has every fix we know of (k8s/README.md, "Keeping images
# current"): Redis 7.2.11 for the 2024-2025 Lua and unauthenticated DoS advisories.
MINIMUM = {"docker.io/library/redis": (7, 2, 11)}
# Every setting the receiver or the reporter declares secret (`secret=True`, read from
# `<NAME>_FILE` too), and the options that would carry one on a command line.
SECRET_SETTINGS = {
    name
    for name, _, secret in describe_env(ReceiverSettings) + describe_env(ReporterSettings)
    if secret
}
SECRET_FLAG = re.compile(r"(?i)^(-a|--?(requirepass|masterauth|pass(word)?|auth|token|secret)\b)")


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
            yield f"{name_of(doc)} container {c['name']}", c


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


def _pod(doc: dict) -> dict:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def _argvs(c: dict):
    """Every command line the container's runtime starts: the container's and its probes'."""
    yield [*c.get("command", []), *c.get("args", [])]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if "exec" in c.get(probe, {}):
            yield c[probe]["exec"]["command"]
    for hook in c.get("lifecycle", {}).values():
        if "exec" in hook:
            yield hook["exec"]["command"]


def test_secret_settings_are_known():
    assert {
        "ALERT_RECEIVER_TOKEN",
        "REDIS_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_WEBHOOK_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    } <= SECRET_SETTINGS


def test_no_workload_gets_a_secret_through_its_environment(rendered):
    for where, c in _containers(rendered):
        for e in c.get("env", []):
            assert "secretKeyRef" not in e.get("valueFrom", {}), f"{where}: env {e['name']}"
            assert e["name"] not in SECRET_SETTINGS, f"{where}: {e['name']} as a value, not _FILE"
        for source in c.get("envFrom", []):
            assert "secretRef" not in source, f"{where}: envFrom a Secret"
    for cm in (d for d in rendered if d["kind"] == "ConfigMap"):
        assert not SECRET_SETTINGS & set(cm.get("data", {})), name_of(cm)


def test_every_secret_file_is_a_key_of_a_mounted_secret(rendered):
    """`<NAME>_FILE` names a file that the pod mounts from a Secret's key `<NAME>`."""
    checked = set()
    for doc in (d for d in rendered if d["kind"] in WORKLOADS):
        pod = _pod(doc)
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in pod["containers"]:
            mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
            for e in c.get("env", []):
                if not e["name"].endswith("_FILE"):
                    continue
                setting = e["name"].removesuffix("_FILE")
                where = f"{name_of(doc)} {c['name']} {e['name']}"
                assert setting in SECRET_SETTINGS, where
                directory, _, filename = e["value"].rpartition("/")
                mount = mounts[directory]
                assert mount["readOnly"] is True, where
                secret = volumes[mount["name"]]["secret"]
                items = {i["path"]: i["key"] for i in secret["items"]}
                assert items[filename] == setting, where
                assert secret["defaultMode"] & 0o007 == 0, f"{where}: readable by others"
                checked.add((doc["kind"], setting))
    assert ("CronJob", "SLACK_BOT_TOKEN") in checked
    assert ("Deployment", "REDIS_URL") in checked


def test_no_password_on_any_command_line(rendered):
    for where, c in _containers(rendered):
        for argv in _argvs(c):
            for arg in argv:
                assert not SECRET_FLAG.match(arg), f"{where}: {argv}"
                for var in re.findall(r"\$\((\w+)\)", arg):  # expanded by the kubelet
                    assert not re.search(r"PASSWORD|TOKEN|SECRET|KEY", var), f"{where}: {argv}"
    for cm in (d for d in rendered if d["kind"] == "ConfigMap"):
        for text in cm.get("data", {}).values():
            for line in text.splitlines():
                assert not re.match(r"\s*(requirepass|masterauth)\s", line), name_of(cm)


def test_every_pod_runs_as_a_high_uid(rendered):
    """No container shares a UID with a host account (system UIDs sit below 10000)."""
    for doc in (d for d in rendered if d["kind"] in WORKLOADS):
        pod = _pod(doc)
        uids = [pod["securityContext"].get("runAsUser")]
        uids += [c.get("securityContext", {}).get("runAsUser") for c in pod["containers"]]
        assert uids[0] is not None, name_of(doc)
        assert all(u is None or u >= 10000 for u in uids), name_of(doc)
