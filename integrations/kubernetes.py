"""The Kubernetes API: nodes, pods by phase, and one ConfigMap the reporter keeps its record in.

    kube = KubernetesClient.from_config()            # in-cluster, else $KUBECONFIG / ~/.kube/config
    for node in kube.nodes(): print(node.name, node.ready, node.kubelet_version)
    kube.pods_by_phase()                             # {"shop": {"Running": 12, "Pending": 1}}
    cm = kube.read_config_map("monitoring", "reporter-deliveries")
    kube.write_config_map("monitoring", "reporter-deliveries", {"k": "v"}, cm.resource_version)

Lists are read as raw JSON (`_preload_content=False`) and page by page (`limit`/`continue`):
the generated model classes cost seconds and tens of MB for a few thousand pods, and the report
needs five fields of each. A ConfigMap is written with the `resourceVersion` it was read at, so two
writers cannot both win: the loser gets `Conflict` and reads again. This is the only module that
imports `kubernetes`; the client's urllib3 pool is closed in `close()`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from kubernetes.utils.quantity import parse_quantity

from integrations.errors import (
    BadResponse,
    NotConfigured,
    RateLimited,
    Rejected,
    Timeout,
    Unavailable,
)

SYSTEM = "kubernetes"
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
PAGE_SIZE = 500
ROLE_PREFIX = "node-role.kubernetes.io/"
# Conditions that are bad news when "True" (Ready is the one that is bad when not "True").
PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


class Conflict(Rejected):
    """409: someone else wrote the object since we read it (or created it first)."""


class NotFound(Rejected):
    """404: no such object (or namespace)."""


@dataclass(frozen=True)
class Node:
    name: str
    ready: bool | None  # None: the node has no Ready condition (yet)
    unschedulable: bool
    roles: tuple[str, ...]
    kubelet_version: str
    os_image: str
    cpu_cores: float | None  # status.capacity
    memory_bytes: float | None
    pods: int | None
    pressure: tuple[str, ...]  # the PRESSURE_CONDITIONS that are "True"


@dataclass(frozen=True)
class ConfigMap:
    namespace: str
    name: str
    data: Mapping[str, str]
    resource_version: str


def in_cluster_namespace(path: Path = SERVICE_ACCOUNT_NAMESPACE) -> str | None:
    """The namespace of the pod we run in, from the mounted service account; None outside."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class KubernetesClient:
    """Takes a ready `kubernetes.client.ApiClient`; `from_config()` builds one the usual way."""

    def __init__(self, api_client: k8s.ApiClient, timeout: float = 10.0) -> None:
        self._api_client = api_client
        self._core = k8s.CoreV1Api(api_client)
        self.timeout = timeout
        self.host = api_client.configuration.host

    @classmethod
    def from_config(
        cls,
        *,
        kubeconfig: str | None = None,
        context: str | None = None,
        in_cluster: bool | None = None,
        environ: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> KubernetesClient:
        """In-cluster config when `KUBERNETES_SERVICE_HOST` is set (or `in_cluster=True`),
        otherwise the kubeconfig file (`kubeconfig`, else `$KUBECONFIG`, else ~/.kube/config)."""
        env = os.environ if environ is None else environ
        if in_cluster is None:
            in_cluster = bool(env.get("KUBERNETES_SERVICE_HOST")) and not kubeconfig
        configuration = k8s.Configuration()
        try:
            if in_cluster:
                k8s_config.load_incluster_config(client_configuration=configuration)
            else:
                path = kubeconfig or env.get("KUBECONFIG") or None
                if path and os.pathsep in path:
                    path = path.split(os.pathsep)[0]
                k8s_config.load_kube_config(
                    config_file=path, context=context or None, client_configuration=configuration
                )
        except (ConfigException, OSError) as e:
            where = "in-cluster service account" if in_cluster else "kubeconfig"
            raise NotConfigured(SYSTEM, f"cannot load the {where}: {e}") from e
        # Fail fast: one quick retry on connection errors, none on reads that timed out.
        configuration.retries = urllib3.Retry(total=1, connect=1, read=0, backoff_factor=0.2)
        return cls(k8s.ApiClient(configuration), timeout=timeout)

    # --- reads ------------------------------------------------------------------------------

    def nodes(self) -> list[Node]:
        return [_node(item) for item in self._list(self._core.list_node)]

    def pods_by_phase(self) -> dict[str, dict[str, int]]:
        """namespace -> phase -> number of pods, over every namespace."""
        out: dict[str, dict[str, int]] = {}
        for item in self._list(self._core.list_pod_for_all_namespaces):
            ns = (item.get("metadata") or {}).get("namespace") or ""
            phase = (item.get("status") or {}).get("phase") or "Unknown"
            by_phase = out.setdefault(ns, {})
            by_phase[phase] = by_phase.get(phase, 0) + 1
        return out

    def read_config_map(self, namespace: str, name: str) -> ConfigMap | None:
        """The ConfigMap, or None when it does not exist."""
        try:
            body = self._json(
                lambda: self._core.read_namespaced_config_map(
                    name, namespace, _preload_content=False, _request_timeout=self._timeouts()
                )
            )
        except NotFound:
            return None
        return _config_map(body)

    # --- writes -----------------------------------------------------------------------------

    def write_config_map(
        self,
        namespace: str,
        name: str,
        data: Mapping[str, str],
        resource_version: str | None,
        labels: Mapping[str, str] | None = None,
    ) -> ConfigMap:
        """Create it (`resource_version=None`) or replace the version we read; `Conflict` when
        another writer got there first."""
        metadata: dict[str, Any] = {"name": name, "namespace": namespace}
        if labels:
            metadata["labels"] = dict(labels)
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata,
            "data": dict(data),
        }
        if resource_version is None:
            call = lambda: self._core.create_namespaced_config_map(  # noqa: E731
                namespace, body, _preload_content=False, _request_timeout=self._timeouts()
            )
        else:
            metadata["resourceVersion"] = resource_version
            call = lambda: self._core.replace_namespaced_config_map(  # noqa: E731
                name, namespace, body, _preload_content=False, _request_timeout=self._timeouts()
            )
        return _config_map(self._json(call))

    def close(self) -> None:
        # ApiClient.close() stops its thread pool only; the urllib3 pool holds the sockets.
        self._api_client.rest_client.pool_manager.clear()
        self._api_client.close()

    # --- plumbing ---------------------------------------------------------------------------

    def _timeouts(self) -> tuple[float, float]:
        return (min(self.timeout, 5.0), self.timeout)

    def _list(self, method: Callable[..., Any]) -> Iterator[dict[str, Any]]:
        token: str | None = None
        for _page in range(10_000):
            kwargs: dict[str, Any] = {"limit": PAGE_SIZE}
            if token:
                kwargs["_continue"] = token
            body = self._json(
                functools.partial(
                    method, **kwargs, _preload_content=False, _request_timeout=self._timeouts()
                )
            )
            items = body.get("items")
            if not isinstance(items, list):
                raise BadResponse(SYSTEM, f"a list without items: {str(body)[:100]}")
            yield from items
            token = (body.get("metadata") or {}).get("continue") or None
            if not token:
                return
        raise BadResponse(SYSTEM, "the list never ended (continue token loop)")

    def _json(self, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            resp = call()
            try:
                raw = resp.data
            finally:
                resp.release_conn()
        except ApiException as e:
            raise _api_error(e) from e
        except urllib3.exceptions.TimeoutError as e:
            raise Timeout(SYSTEM, f"no answer from {self.host} within {self.timeout:g}s") from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise Unavailable(SYSTEM, f"cannot reach {self.host}: {_short(e)}") from e
        try:
            body = json.loads(raw)
        except ValueError as e:
            raise BadResponse(SYSTEM, f"answer is not JSON: {raw[:100]!r}") from e
        if not isinstance(body, dict):
            raise BadResponse(SYSTEM, f"expected an object, got {type(body).__name__}")
        return body


def _api_error(e: ApiException) -> Rejected | Unavailable:
    status = e.status or 0
    reason = e.reason or ""
    try:
        message = json.loads(e.body).get("message") or reason
    except (TypeError, ValueError, AttributeError):
        message = reason
    text = f"HTTP {status}: {message}"[:300]
    err: Rejected | Unavailable
    if status == 404:
        err = NotFound(SYSTEM, text)
    elif status == 409:
        err = Conflict(SYSTEM, text)
    elif status == 429:
        retry = e.headers.get("Retry-After") if e.headers else None
        err = RateLimited(SYSTEM, text, float(retry) if retry and retry.isdigit() else None)
    elif status >= 500 or status == 0:
        err = Unavailable(SYSTEM, text)
    else:
        err = Rejected(SYSTEM, text)
    return err


def _node(item: Mapping[str, Any]) -> Node:
    meta = item.get("metadata") or {}
    spec = item.get("spec") or {}
    status = item.get("status") or {}
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    ready = conditions.get("Ready")
    labels = meta.get("labels") or {}
    roles = sorted(k[len(ROLE_PREFIX) :] for k in labels if k.startswith(ROLE_PREFIX))
    capacity = status.get("capacity") or {}
    info = status.get("nodeInfo") or {}
    pods = _quantity(capacity.get("pods"))
    return Node(
        name=str(meta.get("name", "")),
        ready=None if ready is None else ready == "True",
        unschedulable=bool(spec.get("unschedulable")),
        roles=tuple(r for r in roles if r),
        kubelet_version=str(info.get("kubeletVersion", "")),
        os_image=str(info.get("osImage", "")),
        cpu_cores=_quantity(capacity.get("cpu")),
        memory_bytes=_quantity(capacity.get("memory")),
        pods=int(pods) if pods is not None else None,
        pressure=tuple(c for c in PRESSURE_CONDITIONS if conditions.get(c) == "True"),
    )


def _quantity(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(parse_quantity(value))
    except (ValueError, TypeError):
        return None


def _config_map(body: Mapping[str, Any]) -> ConfigMap:
    meta = body.get("metadata") or {}
    if "name" not in meta:
        raise BadResponse(SYSTEM, "a ConfigMap without metadata.name")
    return ConfigMap(
        namespace=str(meta.get("namespace", "")),
        name=str(meta["name"]),
        data=dict(body.get("data") or {}),
        resource_version=str(meta.get("resourceVersion", "")),
    )


def _short(err: BaseException) -> str:
    text = str(err)
    if "Caused by " in text:
        text = text.rsplit("Caused by ", 1)[-1]
    return text.strip("()'\" ")[:200]
