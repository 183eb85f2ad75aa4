"""The Alertmanager webhook payload (version 4), parsed strictly enough to trust, leniently enough
to accept every Alertmanager since 0.20.

`parse_webhook(body)` returns a `Notification` or raises `PayloadError` whose message names the
first wrong field by its path (`alerts[3].labels.severity: expected a string, got 5`), which the
receiver answers with 400: Alertmanager does not retry a 4xx, and its log shows the reason.

An alert's identity for idempotency is `(fingerprint, status, startsAt)`: Alertmanager re-sends a
group at every `group_interval` while anything changes and at `repeat_interval` otherwise, and an
HA pair sends each notification once per replica; all of those carry the same triple. `startsAt`
is normalised to UTC microseconds so two replicas' spellings of one instant compare equal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)  # Alertmanager's endsAt of a firing alert
SEVERITY_ORDER = ("critical", "error", "warning", "info", "none")


class PayloadError(ValueError):
    """The request body is not an Alertmanager webhook; the message says what is wrong."""


@dataclass(frozen=True)
class Alert:
    status: str  # "firing" or "resolved"
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None  # None while firing
    generator_url: str
    fingerprint: str

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "(no alertname)")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "none").lower()

    @property
    def firing(self) -> bool:
        return self.status == "firing"

    def event_key(self, status: str | None = None) -> str:
        """The idempotency key: `fingerprint|status|startsAt`."""
        return f"{self.fingerprint}|{status or self.status}|{iso(self.starts_at)}"

    def to_dict(self) -> dict[str, Any]:
        # Written out: dataclasses.asdict deep-copies, and this runs for every alert received.
        return {
            "status": self.status,
            "labels": self.labels,
            "annotations": self.annotations,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at) if self.ends_at else None,
            "generator_url": self.generator_url,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Alert:
        return cls(
            status=d["status"],
            labels=dict(d["labels"]),
            annotations=dict(d["annotations"]),
            starts_at=datetime.fromisoformat(d["starts_at"]),
            ends_at=datetime.fromisoformat(d["ends_at"]) if d.get("ends_at") else None,
            generator_url=d.get("generator_url", ""),
            fingerprint=d["fingerprint"],
        )


@dataclass(frozen=True)
class Notification:
    receiver: str
    status: str
    group_key: str
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    external_url: str
    alerts: tuple[Alert, ...]
    truncated_alerts: int = 0

    @property
    def group_id(self) -> str:
        """A short, stable, label-free name for the group (keys in the store, log lines)."""
        return hashlib.sha256(self.group_key.encode()).hexdigest()[:16]


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _str(obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
    if key not in obj:
        if required:
            raise PayloadError(f"{path}{key}: missing")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise PayloadError(f"{path}{key}: expected a string, got {_kind(value)}")
    return value


def _labels(obj: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
    value = obj.get(key, {})
    if value is None:
        return {}
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return value  # fresh from json.loads: nothing else holds it
    if not isinstance(value, dict):
        raise PayloadError(f"{path}{key}: expected an object of strings, got {_kind(value)}")
    for k, v in value.items():
        if not isinstance(v, str):
            raise PayloadError(f"{path}{key}.{k}: expected a string, got {_kind(v)}")
    return dict(value)


def _time(obj: Mapping[str, Any], key: str, path: str, *, required: bool) -> datetime | None:
    text = _str(obj, key, path, required=required)
    if not text:
        return None
    t = _instant(text) if len(text) <= 64 else None  # 35 is the longest RFC 3339 time
    if t is None:
        raise PayloadError(f"{path}{key}: not an RFC 3339 time: {text[:40]!r}")
    if t.tzinfo is None:
        raise PayloadError(f"{path}{key}: time without a zone: {text[:40]!r}")
    return t


@lru_cache(maxsize=1024)
def _instant(text: str) -> datetime | None:
    """Cached: the alerts of one rule evaluation share their startsAt, firing ones a zero endsAt."""
    try:
        t = datetime.fromisoformat(text)  # 3.11+: "Z", and Go's nine fractional digits (cut to 6)
    except ValueError:
        return None
    return t.astimezone(UTC) if t.tzinfo is not None else t


def _fallback_fingerprint(labels: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]


def _alert(raw: object, i: int) -> Alert:
    path = f"alerts[{i}]."
    if not isinstance(raw, dict):
        raise PayloadError(f"alerts[{i}]: expected an object, got {_kind(raw)}")
    status = _str(raw, "status", path)
    if status not in ("firing", "resolved"):
        raise PayloadError(f'{path}status: expected "firing" or "resolved", got {status[:20]!r}')
    labels = _labels(raw, "labels", path)
    if not labels:
        raise PayloadError(f"{path}labels: an alert needs labels")
    starts_at = _time(raw, "startsAt", path, required=True)
    if starts_at is None:  # _str raises first for a missing one
        raise PayloadError(f"{path}startsAt: required")
    ends_at = _time(raw, "endsAt", path, required=False)
    if ends_at is not None and ends_at <= ZERO_TIME:
        ends_at = None
    return Alert(
        status=status,
        labels=labels,
        annotations=_labels(raw, "annotations", path),
        starts_at=starts_at,
        ends_at=ends_at if status == "resolved" else None,
        generator_url=_str(raw, "generatorURL", path, required=False),
        fingerprint=_str(raw, "fingerprint", path, required=False) or _fallback_fingerprint(labels),
    )


def parse_webhook(body: bytes | str) -> Notification:
    """The body of `POST /api/v1/alerts`, or `PayloadError`."""
    try:
        data = json.loads(body.decode() if isinstance(body, bytes) else body)
    except UnicodeDecodeError as e:
        raise PayloadError(f"body is not UTF-8: {e}") from None
    except ValueError as e:
        raise PayloadError(f"body is not JSON: {e}") from None
    return webhook(data)


def webhook(data: object) -> Notification:
    """A decoded webhook body, checked. The queue keeps webhooks as they came (the intake's
    cheapest write), and delivery reads them back with this."""
    if not isinstance(data, dict):
        raise PayloadError(f"body: expected a webhook object, got {_kind(data)}")
    version = data.get("version")
    if version != "4":
        raise PayloadError(f'version: expected "4" (Alertmanager webhook), got {version!r:.40}')
    group_key = _str(data, "groupKey", "")
    status = _str(data, "status", "")
    if status not in ("firing", "resolved"):
        raise PayloadError(f'status: expected "firing" or "resolved", got {status[:20]!r}')
    raw_alerts = data.get("alerts")
    if not isinstance(raw_alerts, list):
        raise PayloadError(f"alerts: expected a list, got {_kind(raw_alerts)}")
    if not raw_alerts:
        raise PayloadError("alerts: the list is empty")
    truncated = data.get("truncatedAlerts", 0)
    if not isinstance(truncated, int) or isinstance(truncated, bool) or truncated < 0:
        raise PayloadError(f"truncatedAlerts: expected a count, got {truncated!r:.40}")
    return Notification(
        receiver=_str(data, "receiver", "", required=False),
        status=status,
        group_key=group_key,
        group_labels=_labels(data, "groupLabels", ""),
        common_labels=_labels(data, "commonLabels", ""),
        common_annotations=_labels(data, "commonAnnotations", ""),
        external_url=_str(data, "externalURL", "", required=False),
        alerts=tuple(_alert(a, i) for i, a in enumerate(raw_alerts)),
        truncated_alerts=truncated,
    )
