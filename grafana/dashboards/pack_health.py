"""Pack health: the pack's own paging path, from webhook to Slack, and its reporter.

Where the `AlertReceiver*` and `Reporter*` alerts link (file pack-health.json). It answers "is
the pack itself working?": webhooks in (rate, status, latency), the queue (depth, age, retries,
failures), the delivery latencies (webhook -> first post -> analysis), Slack calls and their
errors by Slack's error code, Loki's and Bedrock's latency and failures, the exporter's scrape
duration per node, and the report CronJobs' last success. The receiver's queue is shared by its
replicas, so queue series are read with `max`, not summed. Its rows read raw counters and
histograms (a few replicas' worth: cheap), so it is a dashboard of the last hours, not a month.
"""

from __future__ import annotations

from grafana.layout import Row, build_dashboard
from grafana.panels import Link, stat_panel, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import promql
from grafana.variables import cluster, cluster_matcher, prometheus_datasource
from rules import runbook_url
from rules.model import sel
from runtime.durations import parse_duration

KEY = "pack-health"
RI = "[$__rate_interval]"


def build(s: GrafanaSettings) -> model.Dashboard:
    cfg = s.rules
    ar, cm = cfg.selectors.alert_receiver, cluster_matcher(s)
    pack = cfg.pack

    def m(metric: str, *matchers: str) -> str:
        return sel(metric, ar, cm, *matchers)

    def rate(metric: str, *matchers: str) -> str:
        return f"rate({m(metric, *matchers)}{RI})"

    def quantile(q: float, histogram: str, *by: str) -> str:
        keys = ", ".join((*by, "le"))
        return f"histogram_quantile({q}, sum by ({keys}) ({rate(histogram + '_bucket')}))"

    def runbook(name: str) -> Link:
        return Link(f"Runbook: {name}", runbook_url(name, cfg), new_tab=True)

    max_age = parse_duration(pack.queue_max_age)
    cronjobs = sel(
        "kube_cronjob_status_last_successful_time",
        cfg.selectors.kube_state_metrics,
        cm,
        f'namespace="{pack.namespace}"',
        f'cronjob=~"{"|".join(pack.reporter_cronjobs)}"',
    )
    now = Row(
        "Now (raw receiver counters)",
        [
            stat_panel(
                "Receivers up",
                "alert-receiver replicas Prometheus scrapes successfully "
                f"(AlertReceiverAbsent pages after {s.alert_for('AlertReceiverAbsent')} at 0).",
                "every replica of the Deployment (2 or more).",
                [promql(f"count({m('up')} == 1) or vector(0)", "up", instant=True)],
                unit="short",
                steps=[(None, "red"), (1, "green")],
                background=True,
                links=[runbook("AlertReceiverAbsent")],
            ),
            stat_panel(
                "Oldest queued task",
                "How long the oldest task in the queue has waited "
                f"(AlertReceiverQueueStuck pages above {pack.queue_max_age}).",
                "a few seconds; 0 when the queue is empty.",
                [
                    promql(
                        f"max({m('alert_receiver_queue_oldest_task_age_seconds')})",
                        "age",
                        instant=True,
                    )
                ],
                unit="s",
                steps=[(None, "green"), (max_age / 5, "orange"), (max_age, "red")],
                background=True,
                links=[runbook("AlertReceiverQueueStuck")],
            ),
            stat_panel(
                "Slack errors, last 15 minutes",
                "Slack calls that failed, all reasons (the Slack panels below split them).",
                "0.",
                [
                    promql(
                        f"sum(increase({m('alert_receiver_slack_errors_total')}[15m]))",
                        "errors",
                        instant=True,
                    )
                ],
                unit="short",
                steps=[(None, "green"), (1, "red")],
                decimals=0,
                background=True,
                links=[runbook("AlertReceiverSlackRejected")],
            ),
            stat_panel(
                "Since Slack last answered ok",
                "Time since any replica's last successful Slack call. Long is normal when "
                "no alert fired; with errors beside it, Slack is out of reach.",
                "short while alerts fire.",
                [
                    promql(
                        "time() - max("
                        + m("alert_receiver_slack_last_success_timestamp_seconds")
                        + " > 0)",
                        "since",
                        instant=True,
                    )
                ],
                unit="s",
                links=[runbook("AlertReceiverSlackUnreachable")],
            ),
        ],
    )
    intake = Row(
        "Intake: Alertmanager's webhooks (raw receiver counters: last hours)",
        [
            timeseries_panel(
                "Webhooks by status",
                "Webhook requests per second by the status answered: 202 stored, 4xx "
                "refused (bad token, bad body), 5xx not stored (Alertmanager retries).",
                "202 only.",
                [
                    promql(
                        f"sum by (code) ({rate('alert_receiver_webhook_requests_total')})",
                        "{{code}}",
                    )
                ],
                unit="reqps",
                min_=0,
                links=[runbook("AlertReceiverIntakeErrors")],
            ),
            timeseries_panel(
                "Webhook answer latency",
                "From request to durable store and answer, as Alertmanager waits for it.",
                "p99 in milliseconds.",
                [
                    promql(quantile(0.5, "alert_receiver_ack_duration_seconds"), "p50"),
                    promql(quantile(0.99, "alert_receiver_ack_duration_seconds"), "p99", "B"),
                ],
                unit="s",
                min_=0,
            ),
        ],
    )
    queue = Row(
        "Queue (raw receiver counters: last hours)",
        [
            timeseries_panel(
                "Depth by lane",
                "Tasks waiting or running in each lane: slack (posts), logs (Loki), analysis "
                "(Bedrock).",
                "near 0 between alerts; a growing slack lane means posts are not going out.",
                [
                    promql(
                        f"max by (lane) ({m('alert_receiver_queue_depth')})",
                        "{{lane}}",
                    )
                ],
                unit="short",
                min_=0,
                width=8,
            ),
            timeseries_panel(
                "Oldest task and retries",
                "The oldest task's age, and how many tasks failed and wait for another try.",
                "age in seconds, 0 retrying.",
                [
                    promql(f"max({m('alert_receiver_queue_oldest_task_age_seconds')})", "age"),
                    promql(f"max({m('alert_receiver_queue_retrying_tasks')})", "retrying", "B"),
                ],
                unit="short",
                min_=0,
                links=[runbook("AlertReceiverTasksRetrying")],
                width=8,
            ),
            timeseries_panel(
                "Task failures by kind and reason",
                "Failed attempts per second; `reason` is `<system>_<error>` "
                "(slack_rejected, loki_timeout, ...), `store` or `bug`.",
                "none.",
                [
                    promql(
                        "sum by (kind, reason) (" + rate("alert_receiver_tasks_failed_total") + ")",
                        "{{kind}} {{reason}}",
                    )
                ],
                unit="ops",
                min_=0,
                width=8,
            ),
        ],
    )
    latency = Row(
        "Delivery latency (raw receiver histograms: last hours)",
        [
            timeseries_panel(
                "Webhook -> first post -> analysis (p50)",
                "Median time from storing a notification to its incident's first Slack "
                "post, and to its analysis shown in Slack.",
                "first post in seconds; the analysis follows within the model's time.",
                [
                    promql(quantile(0.5, "alert_receiver_first_post_delay_seconds"), "first post"),
                    promql(quantile(0.5, "alert_receiver_analysis_delay_seconds"), "analysis", "B"),
                ],
                unit="s",
                min_=0,
            ),
            timeseries_panel(
                "Webhook -> first post -> analysis (p95)",
                "The same at the 95th percentile.",
                "first post under 10 s.",
                [
                    promql(quantile(0.95, "alert_receiver_first_post_delay_seconds"), "first post"),
                    promql(
                        quantile(0.95, "alert_receiver_analysis_delay_seconds"), "analysis", "B"
                    ),
                ],
                unit="s",
                min_=0,
            ),
        ],
    )
    slack = Row(
        "Slack (raw receiver counters: last hours)",
        [
            timeseries_panel(
                "Slack calls by operation",
                "Successful Slack calls per second: post, reply, update, find.",
                "calls while alerts fire.",
                [
                    promql(
                        f"sum by (op) ({rate('alert_receiver_slack_calls_total')})",
                        "{{op}}",
                    )
                ],
                unit="ops",
                min_=0,
                width=8,
            ),
            timeseries_panel(
                "Slack errors by reason",
                "Failed Slack calls per second by operation and Slack's error code: "
                "invalid_auth and token_revoked (the token), channel_not_found and "
                "not_in_channel (the channel), http_5xx, timeout, transport, ratelimited (Slack "
                "or the way there), message_not_found (one message was deleted). Operation "
                "answer is an on-demand answer where /bravo analyze was asked: its refusals "
                "(the bot not in that channel) do not page.",
                "none.",
                [
                    promql(
                        f"sum by (op, reason) ({rate('alert_receiver_slack_errors_total')}) > 0",
                        "{{op}} {{reason}}",
                    )
                ],
                unit="ops",
                min_=0,
                links=[runbook("AlertReceiverSlackRejected")],
                width=8,
            ),
            timeseries_panel(
                "Slack call latency (p95)",
                "Each Slack call including the client's own retries, by operation.",
                "under a second.",
                [
                    promql(
                        quantile(0.95, "alert_receiver_slack_request_duration_seconds", "op"),
                        "{{op}}",
                    )
                ],
                unit="s",
                min_=0,
                width=8,
            ),
        ],
    )
    sources = Row(
        "Loki and Bedrock (raw receiver histograms: last hours)",
        [
            timeseries_panel(
                "Latency by source (p95)",
                "Loki (log context), Prometheus (related metrics) and Bedrock (analysis) as "
                "the receiver waits for them.",
                "Loki and Prometheus under a second, Bedrock under a minute.",
                [
                    promql(
                        quantile(0.95, "alert_receiver_enrichment_duration_seconds", "source"),
                        "{{source}}",
                    )
                ],
                unit="s",
                min_=0,
            ),
            timeseries_panel(
                "Failures by source",
                "Failed or timed-out calls per second; a failed Bedrock call falls back to "
                "the rule-based summary.",
                "none.",
                [
                    promql(
                        "sum by (source, outcome) ("
                        + rate("alert_receiver_enrichment_duration_seconds_count", 'outcome!="ok"')
                        + ")",
                        "{{source}} {{outcome}}",
                    )
                ],
                unit="ops",
                min_=0,
                links=[runbook("AlertReceiverAnalysisFailing")],
            ),
        ],
    )
    others = Row(
        "Exporter and reporter",
        [
            timeseries_panel(
                "Exporter scrape duration per node",
                "How long each node's healthcheck exporter took to run its probes for a scrape.",
                f"well under the {cfg.healthcheck.scrape_timeout} scrape timeout.",
                [
                    promql(
                        "max by (node) ("
                        + sel(
                            "healthcheck_scrape_duration_seconds",
                            cfg.selectors.healthcheck_exporter,
                            cm,
                        )
                        + ")",
                        "{{node}}",
                    )
                ],
                unit="s",
                min_=0,
            ),
            table_panel(
                "Reports: time since the last success",
                "Each report CronJob and how long ago its last run succeeded (kube-state-"
                "metrics); ReporterOverdue fires past the gap in rules/config.yaml "
                "(pack.reporter_cronjobs).",
                "under a day for the daily report, a week for the weekly.",
                [
                    promql(
                        f"time() - max by (cronjob) ({cronjobs})",
                        ref="A",
                        instant=True,
                        table_=True,
                    )
                ],
                columns=[Column("cronjob", "CronJob"), Column("#A", "Since", unit="s")],
                width=12,
            ),
        ],
    )
    return build_dashboard(
        s,
        KEY,
        title="Pack health",
        description="The pack's own paging path (alert-receiver: intake, queue, Slack, Loki, "
        "Bedrock), the exporter's scrapes and the reports.",
        rows=[now, intake, queue, latency, slack, sources, others],
        variables=[prometheus_datasource(), cluster(s, sel("up", ar))],
        time_from="now-6h",
        refresh="30s",
    )
