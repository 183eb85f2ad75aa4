"""On-demand analysis of the cluster's current state: the old dashboard's "analyse" button.

What is firing (Alertmanager's API), a few key cluster metrics (Prometheus, from the rules pack's
recording rules) and the noisiest error logs (Loki) are collected (`StateCollector`), and the
analyst (analysis.py) writes Bedrock's analysis of them, or the rule-based summary. Each source
that fails is named in `errors` and the rest still counts.

It is slow (three systems and a model), so it runs in the delivery process like everything else
that waits for an outside system: the web worker checks the request and queues an `ondemand` task
(`OnDemandRequest`, analysis lane); the task stores its `answer` (redacted) for `RESULT_TTL` and,
when asked, queues the Slack post. Requests run one at a time, oldest first (one serial key), so
they never hold more than one of the analysis lane's threads. `lookup` tells the web what became
of a request.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from alert_receiver.enrichment import Analysis
from alert_receiver.message import render_analysis_message
from alert_receiver.model import NewTask
from alert_receiver.store.base import Store
from integrations.alertmanager import AlertmanagerClient, matcher
from integrations.errors import IntegrationError
from integrations.loki import LokiClient, line_filter, quote
from integrations.prometheus import PrometheusClient
from rules.settings import LogsSettings
from runtime.redact import Redactor

KIND = "ondemand"
SERIAL_KEY = "ondemand"  # one at a time, oldest first
POST_SERIAL_KEY = "ondemand:post"  # their Slack posts, in the order the analyses finished
RESULT_TTL = 3600.0  # how long GET /api/v1/analyze/<id> can fetch a result
KEY_METRICS = {
    "node CPU %": "topk(5, instance:node_cpu_utilisation:rate5m * 100)",
    "node memory %": "topk(5, instance:node_memory_utilisation:ratio * 100)",
    "filesystem used %": "topk(5, instance_mountpoint:node_filesystem_used:ratio * 100)",
    "failing probes": "healthcheck_probe_success == 0",
    "container restarts (1h)": (
        "topk(5, increase(kube_pod_container_status_restarts_total[1h]) > 0)"
    ),
}
# With a namespace, the metrics that have one are narrowed to it; the nodes' stay cluster-wide
# (a namespace's pods suffer from a busy node all the same).
NAMESPACED_METRICS = {
    "container restarts (1h)": (
        "topk(5, increase(kube_pod_container_status_restarts_total{{namespace={ns}}}[1h]) > 0)"
    ),
}
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")  # a Kubernetes namespace name
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class OnDemandRequest:
    """An `ondemand` task's payload: what to analyse, and whether and where to post it.

    The HTTP API sets `namespace` and `post`; `channel` and `thread_ts` are for callers that
    answer where they were asked (the Slack command): None means `SLACK_CHANNEL`, top level.
    `response_url` is the slash command's own way back to the person: when Slack refuses the
    post (the bot is not in that channel, a DM), the answer goes there instead, seen by them only.
    """

    id: str
    namespace: str | None = None  # None: the whole cluster
    post: bool = False
    channel: str | None = None
    thread_ts: str | None = None
    requested_at: float = field(default_factory=time.time)
    requested_by: str | None = None  # a Slack user ID, shown on the post
    response_url: str | None = None  # the slash command's, valid 30 minutes

    @classmethod
    def from_body(cls, body: object) -> OnDemandRequest:
        """A new request from `POST /api/v1/analyze`'s JSON body; ValueError says what is wrong."""
        if not isinstance(body, dict):
            raise ValueError('expected a JSON object such as {"post": true}')
        namespace = body.get("namespace") or None
        if namespace is not None and not (
            isinstance(namespace, str) and NAMESPACE.fullmatch(namespace)
        ):
            raise ValueError("namespace: expected a Kubernetes namespace name such as shop")
        post = body.get("post", False)
        if not isinstance(post, bool):
            raise ValueError("post: expected true or false")
        return cls(id=uuid.uuid4().hex, namespace=namespace, post=post)

    def task(self) -> NewTask:
        return NewTask(
            KIND,
            {
                "id": self.id,
                "namespace": self.namespace,
                "post": self.post,
                "channel": self.channel,
                "thread_ts": self.thread_ts,
                "requested_at": self.requested_at,
                "requested_by": self.requested_by,
                "response_url": self.response_url,
            },
            serial_key=SERIAL_KEY,
            created=self.requested_at,
        )

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> OnDemandRequest:
        return cls(
            id=str(d["id"]),
            namespace=d.get("namespace") or None,
            post=bool(d.get("post")),
            channel=d.get("channel") or None,
            thread_ts=d.get("thread_ts") or None,
            requested_at=float(d.get("requested_at") or time.time()),
            requested_by=d.get("requested_by") or None,
            response_url=d.get("response_url") or None,
        )


@dataclass(frozen=True)
class ClusterState:
    alerts: list[dict[str, Any]]  # Alertmanager's gettable alerts, firing now
    metrics: dict[str, list[dict[str, Any]]]  # KEY_METRICS' name -> [{"labels", "value"}]
    log_errors: list[dict[str, Any]]  # [{"labels": {namespace, container}, "count"}]
    errors: list[str]  # the sources that failed, and why

    def summary(self) -> str:
        """The state in a few lines: the prompt's body and the rule-based summary."""
        lines = []
        by_sev = Counter(a.get("labels", {}).get("severity", "none") for a in self.alerts)
        lines.append(
            f"Firing alerts: {len(self.alerts)}"
            + (
                " (" + ", ".join(f"{n} {s}" for s, n in by_sev.most_common()) + ")"
                if self.alerts
                else ""
            )
        )
        for a in self.alerts[:15]:
            labels = a.get("labels", {})
            since = a.get("startsAt", "")[:16]
            where = ", ".join(
                f"{k}={labels[k]}" for k in ("namespace", "pod", "instance") if k in labels
            )
            lines.append(
                f"- {labels.get('alertname', '?')} [{labels.get('severity', 'none')}]"
                f" {where} since {since}"
            )
        for name, samples in self.metrics.items():
            if samples:
                top = ", ".join(f"{_where(s['labels'])}={s['value']:g}" for s in samples[:5])
                lines.append(f"{name}: {top}")
        if self.log_errors:
            lines.append(
                "Error log lines in the last 15 minutes: "
                + ", ".join(
                    f"{e['labels'].get('namespace', '?')}/{e['labels'].get('container', '?')}"
                    f"={e['count']:g}"
                    for e in self.log_errors
                )
            )
        return "\n".join(lines)


def key_metrics(namespace: str | None = None) -> dict[str, str]:
    """KEY_METRICS' name -> expression, narrowed to `namespace` where the series have one."""
    if namespace is None:
        return dict(KEY_METRICS)
    ns = quote(namespace)
    return {**KEY_METRICS, **{k: v.format(ns=ns) for k, v in NAMESPACED_METRICS.items()}}


def _where(labels: dict[str, str]) -> str:
    return labels.get("instance") or labels.get("pod") or labels.get("target") or "?"


class StateCollector:
    """Asks Alertmanager, Prometheus and Loki for the current state; never raises for them."""

    def __init__(
        self,
        alertmanager: AlertmanagerClient | None,
        prometheus: PrometheusClient | None,
        loki: LokiClient | None,
        logs: LogsSettings,
    ) -> None:
        self.alertmanager, self.prometheus, self.loki, self.logs = (
            alertmanager,
            prometheus,
            loki,
            logs,
        )

    def collect(self, namespace: str | None = None) -> ClusterState:
        errors: list[str] = []
        alerts: list[dict[str, Any]] = []
        if self.alertmanager is not None:
            try:
                filters = [matcher("namespace", namespace)] if namespace else []
                alerts = self.alertmanager.alerts(filters=filters)
            except IntegrationError as e:
                errors.append(str(e))
        else:
            errors.append("alertmanager: ALERTMANAGER_URL is not set")
        metrics: dict[str, list[dict[str, Any]]] = {}
        if self.prometheus is not None:
            for name, expr in key_metrics(namespace).items():
                try:
                    metrics[name] = [
                        {"labels": dict(s.labels), "value": round(s.value, 3)}
                        for s in self.prometheus.query(expr)
                    ]
                except IntegrationError as e:
                    errors.append(f"{name}: {e}")
        else:
            errors.append("prometheus: PROMETHEUS_URL is not set")
        log_errors: list[dict[str, Any]] = []
        if self.loki is not None:
            sel = "{" + (f"namespace={quote(namespace)}" if namespace else 'namespace=~".+"') + "}"
            counts = f"count_over_time({sel} {line_filter(self.logs.error_filter)} [15m])"
            query = f"topk(5, sum by (namespace, container) ({counts}))"
            try:
                result = self.loki.query(query, datetime.now(UTC))
                log_errors = [
                    {"labels": dict(s.labels), "count": s.values[-1][1]} for s in result.series
                ]
            except IntegrationError as e:
                errors.append(str(e))
        else:
            errors.append("loki: LOKI_URL is not set")
        return ClusterState(alerts, metrics, log_errors, errors)


def answer(
    request: OnDemandRequest,
    state: ClusterState,
    analysis: Analysis,
    *,
    ai_configured: bool,
    redactor: Redactor,
    tz: ZoneInfo,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The result `GET /api/v1/analyze/<id>` answers, and the Slack message to post.

    Both leave the pack (to the caller, to Slack): every string in them is redacted.
    """
    errors = list(state.errors)
    if ai_configured and not analysis.ai:
        errors.append(analysis.note)  # "AI analysis failed: ..."
    requested = datetime.fromtimestamp(request.requested_at, UTC)
    result = {
        "id": request.id,
        "status": "ok",
        "requested_at": requested.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(),
        "namespace": request.namespace,
        "firing_alerts": len(state.alerts),
        "metrics": state.metrics,
        "log_errors": state.log_errors,
        "errors": errors,
        "analysis": analysis.to_dict(),
    }
    message = render_analysis_message(
        analysis,
        redactor(state.summary()),
        tz,
        requested,
        namespace=request.namespace,
        requested_by=request.requested_by,
    )
    return redactor.walk(result), redactor.walk(message)


def valid_id(request_id: str) -> bool:
    return bool(_REQUEST_ID.fullmatch(request_id))


@dataclass(frozen=True)
class Lookup:
    state: str  # "done", "pending", or "unknown" (never queued, or its result expired)
    result: dict[str, Any] | None = None  # when done
    ahead: int = 0  # when pending: the requests that run before it


def lookup(store: Store, request_id: str) -> Lookup:
    """What became of a request.

    A request moves one way, from the queue to the results; reading the results again after the
    queue means one that moved between the two reads is still found.
    """
    found = store.result(request_id)
    if found is not None:
        return Lookup("done", found)
    queued = [p.get("id") for p in store.queued_payloads(SERIAL_KEY)]
    if request_id in queued:
        return Lookup("pending", ahead=queued.index(request_id))
    found = store.result(request_id)
    return Lookup("done", found) if found is not None else Lookup("unknown")
