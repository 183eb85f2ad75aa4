"""What the queue stores: tasks, and the incident a Slack message stands for (its enrichments,
log context and analysis, are in enrichment.py).

An incident is one Alertmanager group from its first firing alert until every alert in it has
resolved: one Slack message, updated as alerts join, resolve and get analysed. When a group fires
again after resolving, a new incident (and message) starts, so the channel reads as a list of
incidents. `revision` counts the times new firing alerts joined; log context and analysis are
stored per revision, and a late answer for an old revision never overwrites a newer one.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from alert_receiver.payload import Alert, Notification

# Which lane (pool of delivery threads) runs which kind of task.
LANES = {
    "notify": "slack",
    "refresh": "slack",
    "reanalyse": "slack",
    "message": "slack",
    "logs": "logs",
    "analyze": "analysis",
    "ondemand": "analysis",
}
LANE_NAMES = ("slack", "logs", "analysis")


@dataclass(frozen=True)
class NewTask:
    kind: str
    payload: dict[str, Any] | str  # a str is the payload as JSON already (a webhook as received)
    serial_key: str | None = None  # tasks sharing a key run one at a time, oldest first
    not_before: float = 0.0
    created: float = field(default_factory=time.time)

    @property
    def lane(self) -> str:
        return LANES[self.kind]

    def encoded(self) -> str:
        return self.payload if isinstance(self.payload, str) else dumps(self.payload)


@dataclass(frozen=True)
class Task:
    id: str
    kind: str
    payload: dict[str, Any]
    serial_key: str | None
    created: float
    attempts: int  # including the current one: > 1 means an earlier attempt may have acted

    @property
    def lane(self) -> str:
        return LANES[self.kind]


@dataclass
class Incident:
    id: str
    group_id: str
    group_key: str
    receiver: str
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    external_url: str
    alerts: dict[str, Alert]  # fingerprint -> latest state, in arrival order
    created: float
    ts: str | None = None  # the Slack message
    revision: int = 0
    truncated_alerts: int = 0

    @classmethod
    def start(cls, n: Notification, now: float) -> Incident:
        return cls(
            id=uuid.uuid4().hex,
            group_id=n.group_id,
            group_key=n.group_key,
            receiver=n.receiver,
            group_labels=n.group_labels,
            common_labels=n.common_labels,
            common_annotations=n.common_annotations,
            external_url=n.external_url,
            alerts={},
            created=now,
        )

    @property
    def firing(self) -> list[Alert]:
        return [a for a in self.alerts.values() if a.firing]

    @property
    def resolved(self) -> bool:
        return bool(self.alerts) and not self.firing

    def to_json(self) -> str:
        d = dict(self.__dict__)
        d["alerts"] = [a.to_dict() for a in self.alerts.values()]
        return json.dumps(d, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Incident:
        """Keys this version does not know are ignored: `channel` and `replies`, which earlier
        versions stored and never used, and whatever a later version adds."""
        d = json.loads(text)
        alerts = [Alert.from_dict(a) for a in d.pop("alerts")]
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(
            alerts={a.fingerprint: a for a in alerts}, **{k: v for k, v in d.items() if k in known}
        )


@dataclass(frozen=True)
class QueueStats:
    depth: dict[str, int]  # tasks waiting or running, by lane
    oldest_age: float  # seconds since the oldest task was stored; 0 when empty
    retrying: int  # tasks that failed at least once and wait for another attempt


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
