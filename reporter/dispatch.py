"""Send a report once per channel: Slack file upload and SES e-mail, with a record that survives
retries. (The receiver's "delivery" is its queue engine; here it is sending a finished report.)

A CronJob retries a failed Job (`backoffLimit`), and the reporter exits non-zero whenever a
source was down, so the same report can be produced several times. The delivery record keeps,
per report (`monthly-2025-10`) and per channel (`slack`, `email`), whether it was sent:

- before sending, the channel is claimed (`state: sending`, this run's ID, the time) with a
  compare-and-swap write: a ConfigMap replaced at the `resourceVersion` it was read at, or a
  file rewritten under a lock when its content is still what was read. Two runs racing for the
  same report cannot both claim it;
- after Slack or SES accepted it, the channel is marked `sent`; a failed send is marked `failed`
  so the next run tries again at once;
- a channel that is `sent` is skipped, one `sending` under another run's claim younger than the
  lease (30 min) is skipped too (that run is still at it); an older claim is taken over, since
  its run died: the one case that can send twice is a run killed between the channel accepting
  and the record write, a window of milliseconds.

If the record cannot be read or written, nothing is sent: a report that arrives late (at the
next retry) is better than one that arrives twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from integrations.aws import aws_session
from integrations.errors import IntegrationError
from integrations.kubernetes import Conflict, KubernetesClient, in_cluster_namespace
from integrations.ses import Attachment, SesClient
from integrations.slack import web_api
from reporter.settings import Settings

log = logging.getLogger("reporter")
LEASE = timedelta(minutes=30)
KEEP = 120  # reports remembered; a ConfigMap must stay under 1 MiB
LABELS = {"app.kubernetes.io/name": "reporter", "app.kubernetes.io/part-of": "monitoring-pack"}


class RecordConflict(Exception):
    """Someone else changed the record since we read it."""


class RecordUnavailable(Exception):
    """The record cannot be read or written."""


class RecordStore(Protocol):
    description: str

    def load(self) -> tuple[dict[str, dict[str, Any]], str | None]: ...

    def save(self, entries: Mapping[str, dict[str, Any]], version: str | None) -> None: ...


class FileRecord:
    """A JSON file; compare-and-swap under an exclusive lock on `<file>.lock`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"file:{path}"

    def _read(self) -> tuple[dict[str, dict[str, Any]], str | None]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}, None
        except OSError as e:
            raise RecordUnavailable(f"{self.path}: {e.strerror}") from e
        try:
            entries = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            raise RecordUnavailable(f"{self.path} is not JSON: {e}") from e
        return entries, hashlib.sha256(raw).hexdigest()

    def load(self) -> tuple[dict[str, dict[str, Any]], str | None]:
        return self._read()

    def save(self, entries: Mapping[str, dict[str, Any]], version: str | None) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(f"{self.path}.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if self._read()[1] != version:
                    raise RecordConflict(str(self.path))
                tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
                os.replace(tmp, self.path)
        except OSError as e:
            raise RecordUnavailable(f"{self.path}: {e.strerror}") from e


class ConfigMapRecord:
    """One ConfigMap; a data key per report holding its JSON record."""

    def __init__(self, kube: KubernetesClient, namespace: str, name: str) -> None:
        self.kube, self.namespace, self.name = kube, namespace, name
        self.description = f"configmap:{namespace}/{name}"

    def load(self) -> tuple[dict[str, dict[str, Any]], str | None]:
        try:
            cm = self.kube.read_config_map(self.namespace, self.name)
        except IntegrationError as e:
            raise RecordUnavailable(str(e)) from e
        if cm is None:
            return {}, None
        entries = {}
        for key, value in cm.data.items():
            with contextlib.suppress(ValueError):
                entries[key] = json.loads(value)
        return entries, cm.resource_version

    def save(self, entries: Mapping[str, dict[str, Any]], version: str | None) -> None:
        data = {k: json.dumps(v, sort_keys=True) for k, v in entries.items()}
        try:
            self.kube.write_config_map(self.namespace, self.name, data, version, LABELS)
        except Conflict as e:
            raise RecordConflict(str(e)) from e
        except IntegrationError as e:
            raise RecordUnavailable(str(e)) from e


class UnavailableRecord:
    """A record that cannot be reached (a ConfigMap without a Kubernetes API): nothing is sent."""

    def __init__(self, description: str, reason: str) -> None:
        self.description, self.reason = description, reason

    def load(self) -> tuple[dict[str, dict[str, Any]], str | None]:
        raise RecordUnavailable(f"{self.description}: {self.reason}")

    def save(self, entries: Mapping[str, dict[str, Any]], version: str | None) -> None:
        raise RecordUnavailable(f"{self.description}: {self.reason}")


@dataclass(frozen=True)
class Outcome:
    channel: str
    status: str  # sent | already_sent | in_progress | failed | skipped
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "already_sent", "in_progress")


class Dispatcher:
    def __init__(
        self,
        store: RecordStore,
        run_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease: timedelta = LEASE,
    ) -> None:
        self.store, self.run_id, self.clock, self.lease = store, run_id, clock, lease

    def send(self, report_id: str, channels: Mapping[str, Callable[[], str]]) -> list[Outcome]:
        """Send on each channel at most once per report; `channels` maps a name to a function
        that sends and returns a detail (file or message ID)."""
        outcomes = []
        for name, send in channels.items():
            try:
                claimed = self._claim(report_id, name)
            except RecordUnavailable as e:
                outcomes.append(Outcome(name, "failed", f"delivery record: {e}"))
                continue
            if claimed is not None:
                outcomes.append(claimed)
                continue
            try:
                detail = send()
            except IntegrationError as e:
                outcomes.append(Outcome(name, "failed", str(e)))
                self._mark(report_id, name, {"state": "failed", "error": str(e)[:300]})
                continue
            outcomes.append(Outcome(name, "sent", detail))
            if not self._mark(report_id, name, {"state": "sent", "detail": detail[:200]}):
                log.error("sent %s on %s but could not record it", report_id, name)
        return outcomes

    def _claim(self, report_id: str, channel: str) -> Outcome | None:
        """None when this run may send; otherwise why not."""
        for _attempt in range(8):
            entries, version = self.store.load()
            state = entries.get(report_id, {}).get(channel, {})
            if state.get("state") == "sent":
                return Outcome(channel, "already_sent", str(state.get("at", "")))
            if state.get("state") == "sending" and state.get("run") != self.run_id:
                since = _parse(state.get("at"))
                if since is not None and self.clock() - since < self.lease:
                    return Outcome(channel, "in_progress", str(state.get("run", "")))
            updated = _with(entries, report_id, channel, self._stamp({"state": "sending"}))
            try:
                self.store.save(updated, version)
                return None
            except RecordConflict:
                continue
        raise RecordUnavailable("the record kept changing under us")

    def _mark(self, report_id: str, channel: str, state: dict[str, Any]) -> bool:
        for _attempt in range(8):
            try:
                entries, version = self.store.load()
                self.store.save(_with(entries, report_id, channel, self._stamp(state)), version)
                return True
            except RecordConflict:
                continue
            except RecordUnavailable as e:
                log.error("delivery record: %s", e)
                return False
        return False

    def _stamp(self, state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "run": self.run_id, "at": self.clock().isoformat()}


def _with(
    entries: Mapping[str, dict[str, Any]], report_id: str, channel: str, state: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    out = {k: dict(v) for k, v in entries.items()}
    out.setdefault(report_id, {})[channel] = state
    if len(out) > KEEP:  # forget the oldest reports

        def newest(item: tuple[str, dict[str, Any]]) -> str:
            return max(
                (str(s.get("at", "")) for s in item[1].values() if isinstance(s, dict)), default=""
            )

        out = dict(sorted(out.items(), key=newest)[-KEEP:])
    return out


def _parse(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


RECORD_CONFIGMAP = "reporter-delivery-record"


def record_store(
    where: str, kubernetes: KubernetesClient | None, unavailable: str, out_dir: Path
) -> RecordStore:
    """REPORT_DELIVERY_RECORD: `file:PATH`, `configmap:NS/NAME`, or, empty, a ConfigMap in the
    pod's own namespace (a file beside the report outside a cluster)."""
    if where.startswith("file:"):
        return FileRecord(Path(where[len("file:") :]))
    if where.startswith("configmap:") and kubernetes is not None:
        namespace, _, name = where[len("configmap:") :].partition("/")
        return ConfigMapRecord(kubernetes, namespace, name)
    own_namespace = in_cluster_namespace()
    if not where and own_namespace and kubernetes is not None:
        return ConfigMapRecord(kubernetes, own_namespace, RECORD_CONFIGMAP)
    if where:  # a ConfigMap was asked for but the Kubernetes API is not there
        return UnavailableRecord(where, unavailable or "the Kubernetes API is not configured")
    return FileRecord(out_dir / "delivery-record.json")


@dataclass(frozen=True)
class Report:
    """A finished report as it is sent: the PDF and the texts that go with it, redacted."""

    id: str  # the record's key: monthly.2025-10
    pdf: bytes
    filename: str
    slack_comment: str
    email_subject: str
    email_body: str


def channels(settings: Settings, report: Report) -> dict[str, Callable[[], str]]:
    """The configured channels, each a function that sends the report and returns an ID."""
    out: dict[str, Callable[[], str]] = {}
    if settings.slack_enabled:

        def to_slack() -> str:
            return web_api(settings).upload_file(
                report.pdf, report.filename, title=report.filename, comment=report.slack_comment
            )

        out["slack"] = to_slack
    if settings.email_enabled:

        def to_email() -> str:
            ses = SesClient(
                region=settings.ses_region,
                sender=settings.ses_from_email,
                endpoint_url=settings.ses_endpoint_url or None,
                session=aws_session(settings),
            )
            try:
                ids = ses.send(
                    settings.team_emails,
                    report.email_subject,
                    report.email_body,
                    [Attachment(report.filename, report.pdf, "application/pdf")],
                )
            finally:
                ses.close()
            return ",".join(ids)

        out["email"] = to_email
    return out
