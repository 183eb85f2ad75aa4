"""The `pack:` section of rules/config.yaml: how the pack watches its own receiver and reporter.

Kept beside rules/config.py (which calls `parse_pack`) so that file stays the list of the other
settings. The alerts it feeds are rules/alerts/receiver.py and rules/alerts/reporter.py.
"""

from __future__ import annotations

from typing import Any

from rules.settings import PackSettings
from rules.validation import Validator, is_dns_label
from runtime.durations import is_prometheus_duration

# The pack's alerts on itself whose `for` is configurable (rules/config.yaml `for:`).
PACK_FOR_ALERTS: tuple[str, ...] = (
    "AlertReceiverAbsent",
    "AlertReceiverDown",
    "AlertReceiverReplicasMissing",
    "AlertReceiverSlackRejected",
    "AlertReceiverSlackUnreachable",
    "AlertReceiverTasksRetrying",
    "AlertReceiverQueueStuck",
    "AlertReceiverQueueDown",
    "AlertReceiverIntakeErrors",
    "AlertReceiverAnalysisFailing",
    "ReporterJobFailed",
    "ReporterRunIncomplete",
    "ReporterOverdue",
)

_KEYS = (
    "namespace",
    "receiver_deployment",
    "queue_max_age",
    "reporter_cronjobs",
    "reporter_failure_window",
)
_DNS = "a Kubernetes name (lower case letters, digits and -)"
_DURATION = "a Prometheus duration such as 5m, 26h or 7d"


def parse_pack(v: Validator, data: Any) -> PackSettings:
    raw = v.mapping(data, "pack", _KEYS)
    namespace = v.check(raw.get("namespace"), "pack.namespace", is_dns_label, _DNS)
    deployment = v.check(
        raw.get("receiver_deployment"), "pack.receiver_deployment", is_dns_label, _DNS
    )
    max_age = v.check(
        raw.get("queue_max_age"), "pack.queue_max_age", is_prometheus_duration, _DURATION
    )
    window = v.check(
        raw.get("reporter_failure_window"),
        "pack.reporter_failure_window",
        is_prometheus_duration,
        _DURATION,
    )
    cronjobs = v.check(
        raw.get("reporter_cronjobs"),
        "pack.reporter_cronjobs",
        lambda x: isinstance(x, dict) and len(x) > 0,
        "a mapping of CronJob name to the longest time between its successful runs",
    )
    cronjobs = cronjobs if isinstance(cronjobs, dict) else {}
    for name, gap in cronjobs.items():
        v.check(name, f"pack.reporter_cronjobs.{name}", is_dns_label, f"a CronJob name: {_DNS}")
        v.check(gap, f"pack.reporter_cronjobs.{name}", is_prometheus_duration, _DURATION)
    return PackSettings(
        namespace=str(namespace),
        receiver_deployment=str(deployment),
        queue_max_age=str(max_age),
        reporter_cronjobs={str(k): str(g) for k, g in cronjobs.items()},
        reporter_failure_window=str(window),
    )
