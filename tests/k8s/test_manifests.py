"""The manifests under k8s/: they render, validate against the Kubernetes schemas (offline), and
keep the security defaults the pack promises. Policy checks run over the rendered output, so a
new component is held to them without a new test."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import kubernetes_validate
import yaml

from exporter.config import load_config
from tests.helpers import require_binary
from tests.k8s.conftest import K8S, WORKLOADS, name_of

KUBERNETES_VERSION = "1.29.0"  # the oldest version the manifests are for
CRDS = {
    "monitoring.coreos.com/v1": {"PodMonitor", "ServiceMonitor", "PrometheusRule"},
    "monitoring.coreos.com/v1alpha1": {"AlertmanagerConfig"},
}


def _pod_spec(doc: dict) -> dict:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def _kustomize_files(directory: Path) -> set[Path]:
    """Every file a kustomization.yaml names (resources, generators, components), recursively."""
    k = yaml.safe_load((directory / "kustomization.yaml").read_text())
    files: set[Path] = {directory / "kustomization.yaml"}
    for entry in k.get("resources", []) + k.get("components", []):
        path = directory / entry
        files |= _kustomize_files(path) if path.is_dir() else {path}
    for gen in k.get("configMapGenerator", []) + k.get("secretGenerator", []):
        files |= {directory / f.split("=", 1)[-1] for f in gen.get("files", [])}
    return files


def _is_kubernetes_object(path: Path) -> bool:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    return bool(docs) and all(isinstance(d, dict) and "kind" in d for d in docs)


def test_kustomization_lists_every_file():
    """Every Kubernetes object file (but the Secret template) is applied by `kubectl apply -k`;
    the other YAML is a config a kustomization names, or the plain Alertmanager config."""
    on_disk = {
        p
        for p in K8S.rglob("*")
        if p.is_file() and p.suffix in (".yaml", ".yml") and not p.name.endswith(".example.yaml")
    }
    listed = _kustomize_files(K8S)
    objects = {p for p in on_disk if _is_kubernetes_object(p)}
    assert objects - listed == set()
    others = {p.relative_to(K8S).as_posix() for p in on_disk - objects - listed}
    assert others == {"alertmanager/alertmanager.yml"}


def test_builtin_objects_validate_against_the_schemas(rendered):
    checked = 0
    for doc in rendered:
        if doc["kind"] in CRDS.get(doc["apiVersion"], ()):
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 5


def test_custom_resources_have_the_operators_shape(rendered):
    for doc in rendered:
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            assert doc["kind"] in CRDS[doc["apiVersion"]], name_of(doc)
            assert doc["metadata"]["namespace"], name_of(doc)
    monitors = [d for d in rendered if d["kind"] in ("PodMonitor", "ServiceMonitor")]
    assert monitors
    for m in monitors:
        endpoints = m["spec"].get("podMetricsEndpoints") or m["spec"].get("endpoints")
        assert endpoints, name_of(m)
        assert m["spec"]["selector"]["matchLabels"], name_of(m)
        for e in endpoints:
            assert set(e) <= {
                "port",
                "path",
                "interval",
                "scrapeTimeout",
                "relabelings",
                "scheme",
                "honorLabels",
            }, name_of(m)
            node = [r for r in e.get("relabelings", []) if r.get("targetLabel") == "node"]
            assert node, name_of(m)
            assert node[0]["sourceLabels"] == ["__meta_kubernetes_pod_node_name"], name_of(m)


def test_exporter_is_scraped_as_the_rules_expect(rendered):
    (pm,) = [d for d in rendered if d["kind"] == "PodMonitor"]
    (ds,) = [d for d in rendered if d["kind"] == "DaemonSet"]
    label = pm["spec"]["jobLabel"]
    assert ds["spec"]["template"]["metadata"]["labels"][label] == "healthcheck-exporter"
    (endpoint,) = pm["spec"]["podMetricsEndpoints"]
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == ("2s", "2s")  # test_paging_settings


def test_every_container_has_limits_and_the_restricted_security_context(rendered):
    workloads = [d for d in rendered if d["kind"] in WORKLOADS]
    assert workloads
    for doc in workloads:
        pod = _pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True, name_of(doc)
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name_of(doc)
        assert pod.get("hostPID") is not True, name_of(doc)
        assert pod.get("hostIPC") is not True, name_of(doc)
        for c in pod["containers"] + pod.get("initContainers", []):
            where = f"{name_of(doc)} container {c['name']}"
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), where
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), where
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert not sc.get("privileged"), where
            assert "add" not in sc["capabilities"], where
            image = c["image"]
            assert ":" in image.rsplit("/", 1)[-1], where
            assert not image.endswith(":latest"), where


def test_hostpath_only_read_only_and_only_in_the_privileged_namespace(rendered):
    privileged = {
        d["metadata"]["name"]
        for d in rendered
        if d["kind"] == "Namespace"
        and d["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    }
    for doc in (d for d in rendered if d["kind"] in WORKLOADS):
        pod = _pod_spec(doc)
        host = {v["name"] for v in pod.get("volumes", []) if "hostPath" in v}
        if not host:
            continue
        assert doc["metadata"]["namespace"] in privileged, name_of(doc)
        for c in pod["containers"]:
            for m in c.get("volumeMounts", []):
                if m["name"] in host:
                    assert m["readOnly"] is True, name_of(doc)


def test_namespaces_carry_pod_security_labels(rendered):
    for ns in (d for d in rendered if d["kind"] == "Namespace"):
        labels = ns["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/warn"] == "restricted", name_of(ns)
        assert labels["pod-security.kubernetes.io/audit"] == "restricted", name_of(ns)


def test_rbac_has_no_wildcards(rendered):
    for doc in (d for d in rendered if d["kind"] in ("Role", "ClusterRole")):
        for rule in doc.get("rules", []):
            for key in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert "*" not in rule.get(key, []), name_of(doc)


def test_no_secret_carries_a_real_looking_value(rendered):
    placeholder = re.compile(r"^(|REPLACE_ME.*|<[^>]+>|changeme)$")
    docs = list(rendered)
    for p in K8S.rglob("*.example.yaml"):
        docs += [d for d in yaml.safe_load_all(p.read_text()) if d]
    for doc in (d for d in docs if d["kind"] == "Secret"):
        for value in {**doc.get("stringData", {}), **doc.get("data", {})}.values():
            assert placeholder.match(str(value)), f"{name_of(doc)} holds a value"


def test_exporter_config_in_the_configmap_is_valid(rendered):
    load_config(K8S / "exporter" / "exporter.yml")
    (cm,) = [
        d
        for d in rendered
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "healthcheck-exporter-config"
    ]
    assert cm["data"]["exporter.yml"] == (K8S / "exporter" / "exporter.yml").read_text()


def test_every_object_fits_a_client_side_apply(rendered):
    """`kubectl apply` keeps a copy in an annotation, and annotations are capped at 256 KiB."""
    for doc in rendered:
        assert len(yaml.safe_dump(doc).encode()) < 200 * 1024, name_of(doc)


def test_report_cronjobs_run_once_per_period_in_seoul_time(rendered):
    jobs = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "CronJob"}
    assert set(jobs) == {"reporter-daily", "reporter-weekly", "reporter-monthly"}
    schedules = {name: job["spec"]["schedule"] for name, job in jobs.items()}
    assert schedules == {
        "reporter-daily": "0 9 * * *",
        "reporter-weekly": "0 9 * * 1",
        "reporter-monthly": "0 9 1 * *",  # the 1st only: never `28-31`
    }
    for name, job in jobs.items():
        spec = job["spec"]
        assert spec["timeZone"] == "Asia/Seoul", name
        assert spec["concurrencyPolicy"] == "Forbid", name
        assert 0 < spec["startingDeadlineSeconds"] <= 3600, name
        assert spec["successfulJobsHistoryLimit"] <= 3, name
        assert spec["failedJobsHistoryLimit"] <= 3, name
        job_spec = spec["jobTemplate"]["spec"]
        (container,) = job_spec["template"]["spec"]["containers"]
        assert container["args"][0] == name.removeprefix("reporter-")
        # Exit 3 (delivered, a source missing) fails the Job at once instead of re-running it.
        (fail,) = [r for r in job_spec["podFailurePolicy"]["rules"] if r["action"] == "FailJob"]
        assert 3 in fail["onExitCodes"]["values"], name

    # The three are one template: nothing but the schedule and the period differs.
    def shape(job: dict) -> str:
        text = yaml.safe_dump(job)
        kind = job["metadata"]["name"].removeprefix("reporter-")
        return text.replace(job["spec"]["schedule"], "S").replace(kind, "K")

    assert len({shape(j) for j in jobs.values()}) == 1


def test_reporter_rbac_is_read_nodes_and_pods_and_its_own_configmap(rendered):
    roles = {
        (d["kind"], d["metadata"]["name"]): d["rules"]
        for d in rendered
        if d["kind"] in ("Role", "ClusterRole")
    }
    assert roles[("ClusterRole", "bravo-reporter-read")] == [
        {"apiGroups": [""], "resources": ["nodes", "pods"], "verbs": ["list"]}
    ]
    named, create = roles[("Role", "reporter-delivery-record")]
    assert named["resourceNames"] == ["reporter-delivery-record"]
    assert set(named["verbs"]) == {"get", "update"}
    assert (create["resources"], create["verbs"]) == (["configmaps"], ["create"])


def _matchers(items: list[dict]) -> list[str]:
    return [f'{m["name"]}{m.get("matchType", "=")}"{m["value"]}"' for m in items]


def _route_from_cr(route: dict) -> dict:
    keys = {
        "groupBy": "group_by",
        "groupWait": "group_wait",
        "groupInterval": "group_interval",
        "repeatInterval": "repeat_interval",
        "receiver": "receiver",
    }
    out = {plain: route[cr] for cr, plain in keys.items() if cr in route}
    if "matchers" in route:
        out["matchers"] = _matchers(route["matchers"])
    if "routes" in route:
        out["routes"] = [_route_from_cr(r) for r in route["routes"]]
    return out


def test_alertmanager_config_and_its_custom_resource_route_alike():
    """The plain config (no operator; the demo and the e2e test run it) and the
    AlertmanagerConfig must not drift apart."""
    plain = yaml.safe_load((K8S / "alertmanager" / "alertmanager.yml").read_text())
    cr = yaml.safe_load((K8S / "alertmanager" / "alertmanagerconfig.yaml").read_text())["spec"]
    assert _route_from_cr(cr["route"]) == plain["route"]
    assert [
        {
            "source_matchers": _matchers(r["sourceMatch"]),
            "target_matchers": _matchers(r["targetMatch"]),
            "equal": r["equal"],
        }
        for r in cr["inhibitRules"]
    ] == plain["inhibit_rules"]
    urls = {r["name"]: [w["url"] for w in r.get("webhookConfigs", [])] for r in cr["receivers"]}
    assert urls == {
        r["name"]: [w["url"] for w in r.get("webhook_configs", [])] for r in plain["receivers"]
    }
    fallback_cr = next(r for r in cr["receivers"] if r["name"] == "pack-fallback")
    fallback = next(r for r in plain["receivers"] if r["name"] == "pack-fallback")
    (slack_cr,), (slack,) = fallback_cr["slackConfigs"], fallback["slack_configs"]
    for key in ("title", "text", "fallback"):
        assert slack_cr[key] == slack[key], key
    assert slack_cr["apiURL"]["key"] == Path(slack["api_url_file"]).name
    (mail_cr,), (mail,) = fallback_cr["emailConfigs"], fallback["email_configs"]
    assert mail_cr["authPassword"]["key"] == Path(mail["auth_password_file"]).name
    assert (mail_cr["to"], mail_cr["smarthost"]) == (mail["to"], mail["smarthost"])
    (hook,) = plain["receivers"][0]["webhook_configs"]
    assert hook["send_resolved"] is True
    assert hook["http_config"]["authorization"]["credentials_file"].endswith(
        "/bravo-secrets/ALERT_RECEIVER_TOKEN"
    )


def test_plain_alertmanager_config_passes_amtool():
    amtool = require_binary("amtool")
    proc = subprocess.run(
        [amtool, "check-config", str(K8S / "alertmanager" / "alertmanager.yml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_critical_probe_alerts_are_sent_without_waiting():
    plain = yaml.safe_load((K8S / "alertmanager" / "alertmanager.yml").read_text())
    (probe,) = [
        r for r in plain["route"]["routes"] if 'alertname="HealthcheckProbeFailed"' in r["matchers"]
    ]
    assert probe["group_wait"] == "0s"
    assert probe["receiver"] == plain["route"]["receiver"]


def _find(rendered: list[dict], kind: str, name: str) -> dict:
    (doc,) = [d for d in rendered if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def test_exporter_and_receiver_have_no_kubernetes_api_access(rendered):
    bound = {
        s["name"]
        for d in rendered
        if d["kind"] in ("RoleBinding", "ClusterRoleBinding")
        for s in d["subjects"]
    }
    for name in ("healthcheck-exporter", "alert-receiver"):
        assert _find(rendered, "ServiceAccount", name)["automountServiceAccountToken"] is False
        assert name not in bound
    for kind, name in (("DaemonSet", "healthcheck-exporter"), ("Deployment", "alert-receiver")):
        assert _pod_spec(_find(rendered, kind, name))["automountServiceAccountToken"] is False


def test_receiver_is_highly_available_and_probed(rendered):
    deploy = _find(rendered, "Deployment", "alert-receiver")
    assert deploy["spec"]["replicas"] >= 2
    assert deploy["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (c,) = _pod_spec(deploy)["containers"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["REDIS_URL_FILE"].startswith("/etc/alert-receiver/secrets/")
    pdb = _find(rendered, "PodDisruptionBudget", "alert-receiver")
    assert pdb["spec"]["minAvailable"] == 1
    hpa = _find(rendered, "HorizontalPodAutoscaler", "alert-receiver")
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["scaleTargetRef"]["name"] == "alert-receiver"
    conf = (K8S / "receiver" / "redis.conf").read_text().splitlines()
    assert "appendfsync always" in conf  # 2xx only once on disk (tests/k8s/test_redis_config.py)


def test_alertmanager_reaches_the_receiver_service(rendered):
    svc = _find(rendered, "Service", "alert-receiver")
    (port,) = svc["spec"]["ports"]
    url = f"http://{svc['metadata']['name']}.{svc['metadata']['namespace']}:{port['port']}"
    plain = yaml.safe_load((K8S / "alertmanager" / "alertmanager.yml").read_text())
    (hook,) = plain["receivers"][0]["webhook_configs"]
    assert hook["url"] == f"{url}/api/v1/alerts"


def test_only_monitoring_may_reach_the_services(rendered):
    policies = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "NetworkPolicy"}
    assert {"healthcheck-exporter", "alert-receiver", "alert-receiver-redis", "reporter"} <= set(
        policies
    )
    for name in ("healthcheck-exporter", "alert-receiver"):
        for rule in policies[name]["spec"]["ingress"]:
            for peer in rule["from"]:
                ns = peer["namespaceSelector"]["matchLabels"]
                assert ns == {"kubernetes.io/metadata.name": "bravo-monitoring-ns"}, name
    assert "ingress" not in policies["reporter"]["spec"]  # nothing may connect to it
