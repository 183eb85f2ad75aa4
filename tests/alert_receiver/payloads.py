"""Alertmanager webhook payloads (version 4) as Alertmanager 0.25 writes them."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from typing import Any


def alert(
    name: str = "PodCrashLooping",
    *,
    status: str = "firing",
    severity: str = "critical",
    starts: datetime | None = None,
    ends: datetime | None = None,
    expr: str = 'rate(kube_pod_container_status_restarts_total{namespace="shop"}[5m]) * 60 > 1',
    annotations: dict[str, str] | None = None,
    **labels: str,
) -> dict[str, Any]:
    starts = starts or datetime.now(UTC) - timedelta(minutes=2)
    all_labels = {"alertname": name, "severity": severity, **labels}
    fp = hashlib.sha256(json.dumps(sorted(all_labels.items())).encode()).hexdigest()[:16]
    return {
        "status": status,
        "labels": all_labels,
        "annotations": annotations
        if annotations is not None
        else {
            "summary": f"{name} summary",
            "description": f"{name} on {labels.get('pod', 'somewhere')} is bad.",
            "runbook_url": f"https://git.example.com/runbooks/{name}.md",
        },
        "startsAt": starts.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z",
        "endsAt": "0001-01-01T00:00:00Z"
        if status == "firing"
        else (ends or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "generatorURL": "http://prometheus.example:9090/graph?"
        + urllib.parse.urlencode({"g0.expr": expr, "g0.tab": "1"}),
        "fingerprint": fp,
    }


def resolved(a: dict[str, Any], ends: datetime | None = None) -> dict[str, Any]:
    ends = ends or datetime.now(UTC)
    return {**a, "status": "resolved", "endsAt": ends.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def webhook(
    *alerts: dict[str, Any], group: str = "shop", receiver: str = "slack"
) -> dict[str, Any]:
    common_labels = dict(
        set.intersection(*(set(a["labels"].items()) for a in alerts)) if alerts else set()
    )
    common_ann = dict(
        set.intersection(*(set(a["annotations"].items()) for a in alerts)) if alerts else set()
    )
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "groupKey": f'{{}}:{{namespace="{group}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": {"namespace": group},
        "commonLabels": common_labels,
        "commonAnnotations": common_ann,
        "externalURL": "http://alertmanager.example:9093",
        "alerts": list(alerts),
    }
