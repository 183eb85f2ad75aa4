"""FakeKubernetesAPI: the few core/v1 paths the reporter uses, with the API server's JSON shapes.

    GET  /api/v1/nodes                                   NodeList (limit / continue paging)
    GET  /api/v1/pods                                    PodList over every namespace (paging)
    GET  /api/v1/namespaces/{ns}/configmaps/{name}       ConfigMap, or a 404 Status
    POST /api/v1/namespaces/{ns}/configmaps              create; 409 AlreadyExists
    PUT  /api/v1/namespaces/{ns}/configmaps/{name}       replace; 409 Conflict when
                                                         metadata.resourceVersion is stale

The real `kubernetes` client talks to it through a kubeconfig the test writes (`kubeconfig()`),
bearer token and all: a request without the token gets the API server's 401 Status.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from pathlib import Path
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, json_reply

_CONFIGMAP = re.compile(r"^/api/v1/namespaces/([^/]+)/configmaps(?:/([^/]+))?$")


def status(code: int, reason: str, message: str) -> Reply:
    return json_reply(
        code,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
    )


def node(
    name: str,
    *,
    ready: bool = True,
    cpu: str | None = "4",
    memory: str | None = "32867172Ki",
    version: str = "v1.29.4",
    roles: tuple[str, ...] = (),
    unschedulable: bool = False,
    pressure: tuple[str, ...] = (),
) -> dict[str, Any]:
    conditions = [
        {"type": t, "status": "True" if t in pressure else "False", "reason": f"Kubelet{t}"}
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    conditions.append(
        {"type": "Ready", "status": "True" if ready else "False", "reason": "KubeletReady"}
    )
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    labels.update({f"node-role.kubernetes.io/{r}": "" for r in roles})
    # None leaves the resource out of capacity, as virtual nodes (virtual-kubelet) may.
    capacity = {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "100Gi"}
    capacity = {k: v for k, v in capacity.items() if v is not None}
    return {
        "metadata": {"name": name, "labels": labels, "uid": f"uid-{name}"},
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {
            "capacity": capacity,
            "allocatable": {k: v for k, v in capacity.items() if k != "ephemeral-storage"},
            "conditions": conditions,
            "nodeInfo": {
                "kubeletVersion": version,
                "osImage": "Ubuntu 22.04.4 LTS",
                "containerRuntimeVersion": "containerd://1.7.13",
                "kernelVersion": "5.15.0-105-generic",
                "architecture": "amd64",
            },
        },
    }


def pod(namespace: str, name: str, phase: str = "Running", node_name: str = "node-1") -> dict:
    return {
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}"},
        "spec": {"nodeName": node_name, "containers": [{"name": "app", "image": "app:1"}]},
        "status": {"phase": phase},
    }


class FakeKubernetesAPI(FakeServer):
    def __init__(self, token: str = "fake-token") -> None:  # noqa: S107 - the fake's token
        self.token = token
        self.nodes: list[dict[str, Any]] = []
        self.pods: list[dict[str, Any]] = []
        self.configmaps: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.fail_status: int | None = None
        self._versions = itertools.count(1000)
        super().__init__()

    def kubeconfig(self, directory: Path, token: str | None = None) -> Path:
        """A kubeconfig file pointing at this server with a bearer token."""
        path = directory / "kubeconfig"
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "reporter", "user": {"token": token or self.token}}],
                    "contexts": [
                        {"name": "fake", "context": {"cluster": "fake", "user": "reporter"}}
                    ],
                    "current-context": "fake",
                }
            )
        )
        return path

    def configmap(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            return self.configmaps.get((namespace, name))

    # -- HTTP ---------------------------------------------------------------------------------

    def handle(self, req: Request) -> Reply:
        with self.lock:
            self.requests.append((req.method, req.path, dict(req.query)))
        if req.headers.get("Authorization") != f"Bearer {self.token}":
            return status(401, "Unauthorized", "Unauthorized")
        if self.fail_status:
            return status(self.fail_status, "InternalError", "fake failure")
        if req.method == "GET" and req.path == "/api/v1/nodes":
            return json_reply(200, self._list("NodeList", self.nodes, req.query))
        if req.method == "GET" and req.path == "/api/v1/pods":
            return json_reply(200, self._list("PodList", self.pods, req.query))
        m = _CONFIGMAP.match(req.path)
        if m:
            return self._configmap(req, m.group(1), m.group(2))
        return status(
            404, "NotFound", f"the server could not find the requested resource {req.path}"
        )

    def _list(self, kind: str, items: list[dict[str, Any]], q: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            items = list(items)
        start = int(base64.b64decode(q["continue"]).decode()) if q.get("continue") else 0
        limit = int(q.get("limit") or 0) or len(items)
        page = items[start : start + limit]
        meta: dict[str, Any] = {"resourceVersion": str(next(self._versions))}
        if start + limit < len(items):
            meta["continue"] = base64.b64encode(str(start + limit).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - limit
        return {"kind": kind, "apiVersion": "v1", "metadata": meta, "items": page}

    def _configmap(self, req: Request, ns: str, name: str | None) -> Reply:
        with self.lock:
            if req.method == "GET" and name:
                cm = self.configmaps.get((ns, name))
                if cm is None:
                    return status(404, "NotFound", f'configmaps "{name}" not found')
                return json_reply(200, cm)
            body = req.json()
            meta = body.get("metadata") or {}
            if req.method == "POST" and not name:
                key = (ns, meta.get("name", ""))
                if key in self.configmaps:
                    return status(409, "AlreadyExists", f'configmaps "{key[1]}" already exists')
                return json_reply(201, self._store(key, body))
            if req.method == "PUT" and name:
                current = self.configmaps.get((ns, name))
                if current is None:
                    return status(404, "NotFound", f'configmaps "{name}" not found')
                wanted = meta.get("resourceVersion")
                if wanted and wanted != current["metadata"]["resourceVersion"]:
                    return status(
                        409,
                        "Conflict",
                        f'Operation cannot be fulfilled on configmaps "{name}": the object has '
                        "been modified; please apply your changes to the latest version and "
                        "try again",
                    )
                return json_reply(200, self._store((ns, name), body))
        return status(405, "MethodNotAllowed", "the server does not allow this method")

    def _store(self, key: tuple[str, str], body: dict[str, Any]) -> dict[str, Any]:
        meta = dict(body.get("metadata") or {})
        meta.update(
            name=key[1],
            namespace=key[0],
            resourceVersion=str(next(self._versions)),
            uid=f"uid-cm-{key[0]}-{key[1]}",
        )
        stored = {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": meta,
            "data": body.get("data") or {},
        }
        self.configmaps[key] = stored
        return stored
