"""Alerts on alert-receiver's own metrics (job `alert-receiver`, `selectors.alert_receiver`): the
pack's paging path broken where nothing else would say so.

A revoked Slack token, a bot removed from its channel, a queue that stopped answering or a replica
gone do not crash anything: Alertmanager keeps getting 202s while nothing reaches Slack. These
alerts read what the receiver exports (alert_receiver/metrics.py, slack_watch.py), and
k8s/alertmanager routes them to a fallback receiver that does not go through alert-receiver.

The queue is shared by every replica, so queue series are the same on each: they are read with
`max by (cluster)`, one alert per cluster, not one per replica.
"""

from __future__ import annotations

from alert_receiver.slack_watch import (
    AUTH_ERRORS,
    CHANNEL_ERRORS,
    DELIVERY_OPS,
    TRANSIENT_ERRORS,
)
from rules.config import RulesConfig
from rules.model import Alert, RuleGroup, by, dedent, label, on, sel
from runtime.durations import parse_duration

DASHBOARD = "pack-health"
# Slack refuses the token or the alert channel: nothing gets through until someone fixes the app
# or the channel. Not a deleted message (`message_not_found`) nor another 4xx: one message's
# problem, a retrying task (AlertReceiverTasksRetrying), never a page.
REJECTED = "|".join((*AUTH_ERRORS, *CHANNEL_ERRORS))
# The alerts' own calls: not `find` (may lack its scope without harm, alert_receiver/README.md)
# nor `answer` (an on-demand answer in a channel the bot may not be in).
DELIVERY = "|".join(DELIVERY_OPS)
TRANSIENT = "|".join(TRANSIENT_ERRORS)
_FIX = "Alerts are not reaching Slack."
COUNT = '{{ printf "%.0f" $value }}'
RATE = '{{ printf "%.2f" $value }}'


def receiver_alerts(cfg: RulesConfig) -> RuleGroup:
    ar = cfg.selectors.alert_receiver
    f = cfg.alert_for
    errors = "alert_receiver_slack_errors_total"
    rejected = sel(errors, ar, f'op=~"{DELIVERY}"', f'reason=~"{REJECTED}"')
    transient = sel(errors, ar, 'op!="find"', f'reason=~"{TRANSIENT}"')
    last_ok = sel("alert_receiver_slack_last_success_timestamp_seconds", ar)
    ksm = cfg.selectors.kube_state_metrics
    deploy = (
        ksm,
        f'namespace="{cfg.pack.namespace}"',
        f'deployment="{cfg.pack.receiver_deployment}"',
    )
    bedrock = sel("alert_receiver_enrichment_duration_seconds_count", ar, 'source="bedrock"')
    bedrock_failed = sel(
        "alert_receiver_enrichment_duration_seconds_count", ar, 'source="bedrock"', 'outcome!="ok"'
    )
    rules = (
        Alert(
            name="AlertReceiverAbsent",
            severity="critical",
            expr=f"absent({sel('up', ar)} == 1)",
            for_=f["AlertReceiverAbsent"],
            summary="No alert-receiver is being scraped.",
            description="Prometheus has scraped no alert-receiver successfully for "
            f"{f['AlertReceiverAbsent']}: alerts routed to Slack through it are not delivered, "
            "and nothing else would say so.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverDown",
            severity="warning",
            expr=f"{sel('up', ar)} == 0",
            for_=f["AlertReceiverDown"],
            summary="An alert-receiver replica cannot be scraped.",
            description=f"Prometheus has failed to scrape alert-receiver {label('instance')} "
            f"for {f['AlertReceiverDown']}; the other replicas take over its queued work.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverReplicasMissing",
            severity="warning",
            expr=dedent(f"""
                {sel("kube_deployment_status_replicas_available", *deploy)}
                <
                {sel("kube_deployment_spec_replicas", *deploy)}
            """),
            for_=f["AlertReceiverReplicasMissing"],
            summary="alert-receiver runs with fewer replicas than it should.",
            description=f"Deployment {label('namespace')}/{label('deployment')} has had "
            "{{ $value }} available replicas, fewer than wanted, for "
            f"{f['AlertReceiverReplicasMissing']}: one more failure and alerts stop.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverSlackRejected",
            severity="critical",
            expr=f"sum {by(cfg, 'reason')} (increase({rejected}[10m])) > 0",
            for_=f["AlertReceiverSlackRejected"],
            summary=f"Slack refuses alert-receiver's messages. {_FIX}",
            description=f"Slack has answered {label('reason')} to alert-receiver "
            f"({COUNT} calls in 10 minutes): the token, the app's scopes or "
            "the channel must be fixed; the alerts wait in the queue and are posted once it is.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverSlackUnreachable",
            severity="critical",
            expr=dedent(f"""
                time() - max {by(cfg)} ({last_ok}) > 900
                and {on(cfg)}
                sum {by(cfg)} (increase({transient}[15m])) > 0
            """),
            for_=f["AlertReceiverSlackUnreachable"],
            summary=f"alert-receiver cannot reach Slack. {_FIX}",
            description="No Slack call has succeeded for {{ $value | humanizeDuration }} while "
            "calls keep failing with 5xx, timeouts, refused connections or rate limits.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverTasksRetrying",
            severity="warning",
            expr=f"max {by(cfg)} ({sel('alert_receiver_queue_retrying_tasks', ar)}) > 0",
            for_=f["AlertReceiverTasksRetrying"],
            summary="alert-receiver keeps failing and retrying tasks.",
            description="{{ $value }} queued tasks have failed and wait for another try, and "
            f"some have for {f['AlertReceiverTasksRetrying']}: see "
            "alert_receiver_tasks_failed_total by kind and reason.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverQueueStuck",
            severity="critical",
            expr=f"max {by(cfg)} ({sel('alert_receiver_queue_oldest_task_age_seconds', ar)}) "
            f"> {int(parse_duration(cfg.pack.queue_max_age))}",
            for_=f["AlertReceiverQueueStuck"],
            summary=f"alert-receiver's queue is not moving. {_FIX}",
            description="The oldest task in alert-receiver's queue has waited "
            "{{ $value | humanizeDuration }}, more than "
            f"{cfg.pack.queue_max_age}: alerts are stored but not delivered.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverQueueDown",
            severity="critical",
            expr=f"{sel('alert_receiver_queue_up', ar)} == 0",
            for_=f["AlertReceiverQueueDown"],
            summary="alert-receiver cannot reach its queue.",
            description=f"alert-receiver {label('instance')} has not reached its queue (SQLite "
            f"or Redis) for {f['AlertReceiverQueueDown']}: it answers webhooks 503 and "
            "Alertmanager retries, but nothing is delivered.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverIntakeErrors",
            severity="critical",
            expr=dedent(f"""
                sum {by(cfg, "instance")} (
                  rate({sel("alert_receiver_webhook_requests_total", ar, 'code=~"5.."')}[5m])
                ) > 0
            """),
            for_=f["AlertReceiverIntakeErrors"],
            summary="alert-receiver answers Alertmanager's webhooks with 5xx.",
            description=f"alert-receiver {label('instance')} has answered "
            f"{RATE} webhooks a second with 5xx for "
            f"{f['AlertReceiverIntakeErrors']}: notifications are not stored; Alertmanager "
            "retries them.",
            dashboard=DASHBOARD,
        ),
        Alert(
            name="AlertReceiverAnalysisFailing",
            severity="warning",
            expr=dedent(f"""
                sum {by(cfg)} (rate({bedrock_failed}[15m]))
                /
                sum {by(cfg)} (rate({bedrock}[15m]))
                > 0.5
            """),
            for_=f["AlertReceiverAnalysisFailing"],
            summary="Most AI analyses of alerts fail.",
            description="{{ $value | humanizePercentage }} of the Bedrock calls of "
            "alert-receiver have failed over 15 minutes: messages carry the rule-based summary "
            "instead.",
            dashboard=DASHBOARD,
        ),
    )
    return RuleGroup(name="alert-receiver.alerts", file="pack", rules=rules)
