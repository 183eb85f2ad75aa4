"""`POST /api/v1/analyze`: the old dashboard's "analyse current state" button.

Collects what is firing (Alertmanager's API), a few key cluster metrics (Prometheus, from the
rules pack's recording rules) and the noisiest error logs (Loki), then asks Bedrock for an
analysis, or writes the rule-based summary. Each source that fails is named in `errors` and the
rest still counts. Synchronous: the caller waits (bounded by the clients' timeouts).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from alert_receiver.analysis import LANGUAGE
from alert_receiver.clients import Clients
from alert_receiver.enrichment import Analysis
from alert_receiver.message import render_analysis_message
from alert_receiver.settings import Settings
from integrations.alertmanager import matcher
from integrations.errors import IntegrationError
from integrations.loki import line_filter, quote

KEY_METRICS = {
    "node CPU %": "topk(5, instance:node_cpu_utilisation:rate5m * 100)",
    "node memory %": "topk(5, instance:node_memory_utilisation:ratio * 100)",
    "filesystem used %": "topk(5, instance_mountpoint:node_filesystem_used:ratio * 100)",
    "failing probes": "healthcheck_probe_success == 0",
    "container restarts (1h)": (
        "topk(5, increase(kube_pod_container_status_restarts_total[1h]) > 0)"
    ),
}
SYSTEM = (
    "You are a site reliability engineer. Summarise the current state of a Kubernetes cluster "
    "from the firing alerts, key metrics and error log counts below: what needs attention first, "
    "likely causes, and next checks. At most 200 words; never invent values."
)


def analyze_current_state(
    clients: Clients, settings: Settings, *, namespace: str | None = None
) -> dict[str, Any]:
    errors: list[str] = []
    alerts: list[dict[str, Any]] = []
    if clients.alertmanager is not None:
        try:
            filters = [matcher("namespace", namespace)] if namespace else []
            alerts = clients.alertmanager.alerts(filters=filters)
        except IntegrationError as e:
            errors.append(str(e))
    else:
        errors.append("alertmanager: ALERTMANAGER_URL is not set")
    metrics: dict[str, list[dict[str, Any]]] = {}
    if clients.prometheus is not None:
        for name, expr in KEY_METRICS.items():
            try:
                metrics[name] = [
                    {"labels": dict(s.labels), "value": round(s.value, 3)}
                    for s in clients.prometheus.query(expr)
                ]
            except IntegrationError as e:
                errors.append(f"{name}: {e}")
    else:
        errors.append("prometheus: PROMETHEUS_URL is not set")
    log_errors: list[dict[str, Any]] = []
    if clients.loki is not None:
        sel = "{" + (f"namespace={quote(namespace)}" if namespace else 'namespace=~".+"') + "}"
        counts = f"count_over_time({sel} {line_filter(settings.rules.logs.error_filter)} [15m])"
        query = f"topk(5, sum by (namespace, container) ({counts}))"
        try:
            result = clients.loki.query(query, datetime.now(UTC))
            log_errors = [
                {"labels": dict(s.labels), "count": s.values[-1][1]} for s in result.series
            ]
        except IntegrationError as e:
            errors.append(str(e))
    else:
        errors.append("loki: LOKI_URL is not set")

    summary = _summary(alerts, metrics, log_errors)
    redact = clients.redactor
    if clients.bedrock is not None:
        prompt = redact(f"{summary}\n\nSources that failed: {'; '.join(errors) or 'none'}")
        try:
            answer = clients.bedrock.complete(
                f"{SYSTEM} {LANGUAGE.get(settings.analysis_language, '')}",
                prompt[: settings.bedrock_max_prompt_chars],
                session_id="cluster-state",
            )
            analysis = Analysis("ai", redact(answer.text), answer.model)
        except IntegrationError as e:
            errors.append(str(e))
            analysis = _rules(summary, f"AI analysis failed: {e.reason}")
    else:
        analysis = _rules(summary, "Bedrock is not configured")
    # The answer leaves too (to the caller, and to Slack): every string in it redacted.
    now = datetime.now(UTC)
    return redact.walk(
        {
            "status": "ok",
            "generated_at": now.isoformat(),
            "firing_alerts": len(alerts),
            "metrics": metrics,
            "log_errors": log_errors,
            "errors": errors,
            "analysis": analysis.to_dict(),
            "message": render_analysis_message(
                analysis, redact(summary), ZoneInfo(settings.timezone), now
            ),
        }
    )


def _summary(
    alerts: list[dict[str, Any]],
    metrics: dict[str, list[dict[str, Any]]],
    log_errors: list[dict[str, Any]],
) -> str:
    lines = []
    by_sev = Counter(a.get("labels", {}).get("severity", "none") for a in alerts)
    lines.append(
        f"Firing alerts: {len(alerts)}"
        + (" (" + ", ".join(f"{n} {s}" for s, n in by_sev.most_common()) + ")" if alerts else "")
    )
    for a in alerts[:15]:
        labels = a.get("labels", {})
        since = a.get("startsAt", "")[:16]
        where = ", ".join(
            f"{k}={labels[k]}" for k in ("namespace", "pod", "instance") if k in labels
        )
        lines.append(
            f"- {labels.get('alertname', '?')} [{labels.get('severity', 'none')}]"
            f" {where} since {since}"
        )
    for name, samples in metrics.items():
        if samples:
            top = ", ".join(f"{_where(s['labels'])}={s['value']:g}" for s in samples[:5])
            lines.append(f"{name}: {top}")
    if log_errors:
        lines.append(
            "Error log lines in the last 15 minutes: "
            + ", ".join(
                f"{e['labels'].get('namespace', '?')}/{e['labels'].get('container', '?')}"
                f"={e['count']:g}"
                for e in log_errors
            )
        )
    return "\n".join(lines)


def _where(labels: dict[str, str]) -> str:
    return labels.get("instance") or labels.get("pod") or labels.get("target") or "?"


def _rules(summary: str, why: str) -> Analysis:
    return Analysis(
        "rules", f"Rule-based summary, not an AI analysis ({why}).\n{summary}", note=why
    )
