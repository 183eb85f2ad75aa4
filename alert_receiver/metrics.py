"""The receiver's own metrics, and the /metrics exposition for one process or several.

    alert_receiver_webhook_requests_total{code}         webhook requests by HTTP status answered
    alert_receiver_alerts_received_total{status}        alerts in accepted notifications
    alert_receiver_notifications_queued_total           notifications durably stored
    alert_receiver_ack_duration_seconds                 request received -> stored and answered
    alert_receiver_alerts_delivered_total{status}       alert state changes shown in Slack
    alert_receiver_alerts_duplicate_total               re-sent or HA-twin alerts, not posted again
    alert_receiver_slack_calls_total{op}                post, update, reply, answer, find
    alert_receiver_slack_errors_total{op,reason}        failed Slack calls by Slack's error code
    alert_receiver_slack_request_duration_seconds{op}   each Slack call, with its own retries
    alert_receiver_slack_last_success_timestamp_seconds the last call Slack answered ok
    alert_receiver_tasks_completed_total{kind}          tasks finished, by kind (see pipeline.py)
    alert_receiver_tasks_failed_total{kind,reason}      failed attempts (each is retried)
    alert_receiver_tasks_retried_total{kind}            attempts rescheduled
    alert_receiver_slack_actions_total{action,outcome}  buttons and /bravo (slack_dispatch.py)
    alert_receiver_enrichment_duration_seconds{source,outcome}   loki, prometheus, bedrock
    alert_receiver_analysis_cache_hits_total            repeat notifications answered from cache
    alert_receiver_first_post_delay_seconds             stored -> first Slack post of an incident
    alert_receiver_analysis_delay_seconds               stored -> an incident's analysis in Slack
    alert_receiver_queue_depth{lane}                    tasks waiting or running (read at scrape)
    alert_receiver_queue_oldest_task_age_seconds        alert on this: delivery is stuck
    alert_receiver_queue_retrying_tasks                 tasks that failed and wait for another try
    alert_receiver_queue_up                             1 if the queue answered the scrape

Under `alert-receiver` the web workers and the delivery process are separate processes, so the
counters use prometheus_client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, set by the CLI);
tests and single-process use pass a registry and read it directly.
"""

from __future__ import annotations

import os
import weakref

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from alert_receiver.slack_watch import DELIVERY_OPS, REASONS
from alert_receiver.store.base import Store, StoreError

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SLOW_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = registry if registry is not None else CollectorRegistry(auto_describe=False)
        self.registry = r
        p = "alert_receiver_"
        self.requests = Counter(
            f"{p}webhook_requests", "Webhook requests by status.", ["code"], registry=r
        )
        self.alerts_received = Counter(
            f"{p}alerts_received", "Alerts in accepted notifications.", ["status"], registry=r
        )
        self.queued = Counter(
            f"{p}notifications_queued", "Notifications durably stored.", registry=r
        )
        self.ack_seconds = Histogram(
            f"{p}ack_duration_seconds",
            "From request to durable store and answer.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.delivered = Counter(
            f"{p}alerts_delivered", "Alert state changes shown in Slack.", ["status"], registry=r
        )
        self.duplicates = Counter(
            f"{p}alerts_duplicate",
            "Alert state changes already delivered, not posted again.",
            registry=r,
        )
        self.slack_calls = Counter(
            f"{p}slack_calls", "Slack calls by operation.", ["op"], registry=r
        )
        self.completed = Counter(f"{p}tasks_completed", "Tasks finished.", ["kind"], registry=r)
        self.failed = Counter(
            f"{p}tasks_failed", "Failed task attempts.", ["kind", "reason"], registry=r
        )
        self.retried = Counter(f"{p}tasks_retried", "Tasks rescheduled.", ["kind"], registry=r)
        self.slack_actions = Counter(
            f"{p}slack_actions",
            "Actions taken from Slack (buttons, /bravo) by outcome: ok, refused, unknown, error.",
            ["action", "outcome"],
            registry=r,
        )
        self.enrichment = Histogram(
            f"{p}enrichment_duration_seconds",
            "Time spent asking Loki, Prometheus and Bedrock.",
            ["source", "outcome"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.cache_hits = Counter(
            f"{p}analysis_cache_hits", "Analyses answered from the cache.", registry=r
        )
        self.first_post = Histogram(
            f"{p}first_post_delay_seconds",
            "From storing a notification to its incident's first Slack post.",
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.analysis_delay = Histogram(
            f"{p}analysis_delay_seconds",
            "From storing a notification to its incident's analysis shown in Slack.",
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.slack_errors = Counter(
            f"{p}slack_errors",
            "Failed Slack calls, by operation and Slack's error code (alert on these).",
            ["op", "reason"],
            registry=r,
        )
        self.slack_seconds = Histogram(
            f"{p}slack_request_duration_seconds",
            "Slack calls, including the client's own retries.",
            ["op"],
            buckets=SLOW_BUCKETS,
            registry=r,
        )
        self.slack_last_success = Gauge(
            f"{p}slack_last_success_timestamp_seconds",
            "When Slack last answered a call ok (Unix seconds); 0 before the first.",
            multiprocess_mode="max",
            registry=r,
        )
        # Every reason exists from the start, so increase() sees the first failure.
        for op in DELIVERY_OPS:
            for reason in REASONS:
                self.slack_errors.labels(op, reason)
        for code in ("202", "400", "401", "413", "500", "503"):
            self.requests.labels(code)
        for status in ("firing", "resolved"):
            self.alerts_received.labels(status)
            self.delivered.labels(status)

    def observer(self, source: str):
        """A callback `(outcome, seconds)` for one enrichment source."""
        return lambda outcome, seconds: self.enrichment.labels(source, outcome).observe(seconds)


class QueueCollector:
    """Queue depth and age, read from the store at scrape time (the store is shared, so any
    process can report it)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self):
        return []

    def collect(self):
        up = GaugeMetricFamily("alert_receiver_queue_up", "1 if the queue answered the scrape.")
        try:
            stats = self.store.stats()
        except StoreError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "alert_receiver_queue_depth", "Tasks waiting or running.", labels=["lane"]
        )
        for lane, n in sorted(stats.depth.items()):
            depth.add_metric([lane], n)
        yield depth
        yield GaugeMetricFamily(
            "alert_receiver_queue_oldest_task_age_seconds",
            "Age of the oldest task in the queue; 0 when empty.",
            value=stats.oldest_age,
        )
        yield GaugeMetricFamily(
            "alert_receiver_queue_retrying_tasks",
            "Tasks that failed and wait for another attempt.",
            value=stats.retrying,
        )


# Registries that already have a QueueCollector (registering a second one raises).
_WITH_QUEUE: weakref.WeakSet[CollectorRegistry] = weakref.WeakSet()


def exposition_registry(metrics: Metrics, store: Store) -> CollectorRegistry:
    """What /metrics serves: this process's metrics, or all processes' in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry)
    else:
        registry = metrics.registry
    if registry not in _WITH_QUEUE:
        registry.register(QueueCollector(store))
        _WITH_QUEUE.add(registry)
    return registry
