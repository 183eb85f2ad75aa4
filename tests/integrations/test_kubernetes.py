"""integrations.kubernetes: the real `kubernetes` client against FakeKubernetesAPI (no API server
can be had here), through a kubeconfig file as a user would point it."""

from __future__ import annotations

import pytest

from integrations.errors import NotConfigured, Rejected, Unavailable
from integrations.kubernetes import Conflict, KubernetesClient, in_cluster_namespace
from tests.fakes.kubernetes import FakeKubernetesAPI, node, pod
from tests.helpers import refused_port


@pytest.fixture
def api():
    with FakeKubernetesAPI() as fake:
        yield fake


@pytest.fixture
def kube(api, tmp_path):
    client = KubernetesClient.from_config(kubeconfig=str(api.kubeconfig(tmp_path)), environ={})
    yield client
    client.close()


def test_nodes_have_status_version_and_capacity(api, kube):
    api.nodes = [
        node("node-1", roles=("control-plane",), cpu="4", memory="32867172Ki"),
        node("node-2", ready=False, cpu="3800m", memory="16Gi", pressure=("DiskPressure",)),
        node("node-3", unschedulable=True, version="v1.30.1"),
    ]
    nodes = {n.name: n for n in kube.nodes()}
    assert nodes["node-1"].ready is True
    assert nodes["node-1"].roles == ("control-plane",)
    assert nodes["node-1"].kubelet_version == "v1.29.4"
    assert nodes["node-1"].cpu_cores == 4
    assert nodes["node-1"].memory_bytes == 32867172 * 1024
    assert nodes["node-1"].pods == 110
    assert nodes["node-2"].ready is False
    assert nodes["node-2"].cpu_cores == pytest.approx(3.8)
    assert nodes["node-2"].memory_bytes == 16 * 1024**3
    assert nodes["node-2"].pressure == ("DiskPressure",)
    assert nodes["node-3"].unschedulable is True
    assert nodes["node-3"].kubelet_version == "v1.30.1"


def test_pods_by_phase_counts_every_page(api, kube):
    api.pods = [pod("shop", f"api-{i}") for i in range(1203)]
    api.pods += [pod("shop", "batch-1", "Succeeded"), pod("shop", "new-1", "Pending")]
    api.pods += [pod("kube-system", f"dns-{i}") for i in range(2)]
    api.pods.append(pod("kube-system", "broken", "Failed"))
    assert kube.pods_by_phase() == {
        "shop": {"Running": 1203, "Succeeded": 1, "Pending": 1},
        "kube-system": {"Running": 2, "Failed": 1},
    }
    pages = [q for method, path, q in api.requests if path == "/api/v1/pods"]
    assert len(pages) == 3  # 500 + 500 + 207: paged with limit/continue, not one huge answer
    assert all(q["limit"] == "500" for q in pages)


def test_config_map_create_read_replace(api, kube):
    assert kube.read_config_map("monitoring", "record") is None
    created = kube.write_config_map("monitoring", "record", {"a": "1"}, None, {"app": "reporter"})
    assert created.data == {"a": "1"}
    assert api.configmap("monitoring", "record")["metadata"]["labels"] == {"app": "reporter"}
    read = kube.read_config_map("monitoring", "record")
    assert read is not None
    assert read.resource_version == created.resource_version
    replaced = kube.write_config_map("monitoring", "record", {"a": "2"}, read.resource_version)
    assert replaced.resource_version != read.resource_version
    assert api.configmap("monitoring", "record")["data"] == {"a": "2"}


def test_stale_write_is_a_conflict(api, kube):
    first = kube.write_config_map("monitoring", "record", {"a": "1"}, None)
    kube.write_config_map("monitoring", "record", {"a": "2"}, first.resource_version)
    with pytest.raises(Conflict):
        kube.write_config_map("monitoring", "record", {"a": "3"}, first.resource_version)
    with pytest.raises(Conflict):  # created by someone else in between
        kube.write_config_map("monitoring", "record", {"a": "4"}, None)
    assert api.configmap("monitoring", "record")["data"] == {"a": "2"}


def test_wrong_token_is_rejected(api, tmp_path):
    client = KubernetesClient.from_config(
        kubeconfig=str(api.kubeconfig(tmp_path, token="wrong")), environ={}
    )
    try:
        with pytest.raises(Rejected, match="401"):
            client.nodes()
    finally:
        client.close()


def test_server_error_and_refused_connection_are_unavailable(api, kube, tmp_path):
    api.fail_status = 503
    with pytest.raises(Unavailable, match="503"):
        kube.nodes()
    fake = FakeKubernetesAPI()
    fake.close()
    (tmp_path / "down").mkdir()
    path = fake.kubeconfig(tmp_path / "down")
    path.write_text(path.read_text().replace(fake.url, f"http://127.0.0.1:{refused_port()}"))
    client = KubernetesClient.from_config(kubeconfig=str(path), environ={}, timeout=2)
    try:
        with pytest.raises(Unavailable, match="cannot reach"):
            client.pods_by_phase()
    finally:
        client.close()


def test_missing_kubeconfig_is_not_configured(tmp_path):
    with pytest.raises(NotConfigured, match="kubeconfig"):
        KubernetesClient.from_config(kubeconfig=str(tmp_path / "nope"), environ={})


def test_in_cluster_without_service_account_is_not_configured():
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1"}
    with pytest.raises(NotConfigured, match="in-cluster"):
        KubernetesClient.from_config(environ=env, in_cluster=True)


def test_in_cluster_namespace_reads_the_service_account_file(tmp_path):
    (tmp_path / "namespace").write_text("bravo-ai-integration-ns\n")
    assert in_cluster_namespace(tmp_path / "namespace") == "bravo-ai-integration-ns"
    assert in_cluster_namespace(tmp_path / "absent") is None
