"""The interface both stores implement, and what each call promises.

Work is a queue of tasks in three lanes (slack, logs, analysis). A task is claimed with a lease
by one delivery thread; it ends with `commit(done=task, ...)`, which deletes it and applies every
state change of that step (incident, idempotency keys, enrichment, follow-up tasks) in one atomic
write, or with `retry(task, delay)`. A task whose process died keeps its lease until `recover()`
releases it (at start-up) or the lease expires, then runs again with `attempts + 1`: handlers
treat `attempts > 1` as "an earlier attempt may have acted" and check before acting twice.

Tasks with the same `serial_key` (one Alertmanager group) run one at a time in the order they
were stored, so a group's resolution never overtakes its firing, and two notifications of one
group can never both create a message.

Besides the queue, the store keeps the receiver's state: incidents, idempotency keys, enrichments
(as JSON: enrichment.py), the analysis cache, and the results of on-demand requests, which the
web workers read back for their callers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

from alert_receiver.model import Incident, NewTask, QueueStats, Task


class StoreError(Exception):
    """The store cannot be reached or written: intake answers 503, delivery waits and retries."""


class Store(ABC):
    @abstractmethod
    def enqueue(self, tasks: Sequence[NewTask]) -> list[str]:
        """Store tasks durably; returns their IDs only once they would survive a crash."""

    @abstractmethod
    def claim(self, lane: str, owner: str, lease: float) -> Task | None:
        """The oldest runnable task of `lane`, leased to `owner` for `lease` seconds."""

    @abstractmethod
    def renew(self, owner: str, task_ids: Iterable[str], lease: float) -> None:
        """Extend the leases `owner` holds (a heartbeat while tasks run)."""

    @abstractmethod
    def retry(self, task: Task, delay: float, error: str) -> None:
        """Give the task back, runnable again after `delay` seconds."""

    @abstractmethod
    def recover(self, owner_prefix: str) -> int:
        """Release the leases of owners starting with `owner_prefix` (an earlier life of this
        process) and all expired leases; returns how many."""

    @abstractmethod
    def commit(
        self,
        done: Task | None = None,
        *,
        incident: Incident | None = None,
        seen: Iterable[str] = (),
        enrichment: tuple[str, str, int, dict[str, Any]] | None = None,
        cache: tuple[str, dict[str, Any], float] | None = None,
        result: tuple[str, dict[str, Any], float] | None = None,
        enqueue: Sequence[NewTask] = (),
    ) -> None:
        """Atomically: delete `done`, save `incident`, record `seen` idempotency keys, store an
        enrichment `(incident_id, kind, revision, body)` unless a newer revision is stored,
        cache `(key, body, ttl)`, keep a request's `(request_id, body, ttl)` result, and store
        the follow-up tasks."""

    @abstractmethod
    def seen(self, keys: Iterable[str]) -> set[str]:
        """Which of these idempotency keys were already delivered."""

    @abstractmethod
    def incident(self, group_id: str) -> Incident | None:
        """The group's latest incident (open or resolved)."""

    @abstractmethod
    def incident_by_id(self, incident_id: str) -> Incident | None: ...

    @abstractmethod
    def enrichment(self, incident_id: str, kind: str) -> tuple[int, dict[str, Any]] | None:
        """`(revision, body)` of the newest stored enrichment of that kind."""

    @abstractmethod
    def cached(self, key: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def result(self, request_id: str) -> dict[str, Any] | None:
        """A request's result as `commit(result=...)` stored it, until its time to live ends."""

    @abstractmethod
    def queued_payloads(self, serial_key: str) -> list[dict[str, Any]]:
        """The payloads of the tasks stored under `serial_key` and not done yet (waiting,
        running or retrying), oldest first. A task done meanwhile may be left out, never one
        that is still to run."""

    @abstractmethod
    def stats(self) -> QueueStats: ...

    @abstractmethod
    def prune(self, older_than: float) -> int:
        """Forget resolved incidents and idempotency keys older than `older_than` (Unix time)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise `StoreError` unless the store answers."""

    @abstractmethod
    def close(self) -> None: ...
