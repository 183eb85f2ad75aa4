"""The interface both stores implement, and what each call promises.

Work is a queue of tasks in three lanes (slack, logs, analysis). A task is claimed with a lease
by one delivery thread; it ends with `commit(done=task, ...)`, which deletes it and applies every
state change of that step (incident, idempotency keys, enrichment, follow-up tasks) in one atomic
write, or with `retry(task, delay)`.

Leases. The delivery process renews the leases of its running tasks (a heartbeat), so a slow
attempt (a long Bedrock call) keeps its task however long it takes. A task whose process died
keeps its lease until the lease expires, and every live delivery process releases expired leases
as it runs (`reclaim()`); at start it also releases those of its own earlier lives at once
(`recover()`, identity.py). Either way the task runs again with `attempts + 1`: handlers treat
`attempts > 1` as "an earlier attempt may have acted" and check before acting twice (the Slack
nonce). `attempts` is also the lease's fencing token: an attempt whose lease ran out while it was
still alive (a process stalled longer than the lease) cannot commit or give back a task that was
released or claimed again since; it gets `LeaseLost` and its effects are dropped, the newer
attempt's stand.

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


class LeaseLost(StoreError):
    """This attempt's lease ran out and the task was released (or claimed again) meanwhile:
    nothing of the attempt is stored, the task's newer attempt acts in its place."""


class Store(ABC):
    @abstractmethod
    def enqueue(self, tasks: Sequence[NewTask]) -> list[str]:
        """Store tasks durably; returns their IDs only once they would survive a crash."""

    @abstractmethod
    def claim(self, lane: str, owner: str, lease: float) -> Task | None:
        """The oldest runnable task of `lane`, leased to `owner` for `lease` seconds."""

    @abstractmethod
    def renew(self, owner: str, task_ids: Iterable[str], lease: float) -> set[str]:
        """Extend the leases `owner` holds to `lease` seconds from now (a heartbeat while tasks
        run); returns the IDs among `task_ids` that are still queued but no longer `owner`'s
        (their lease ran out and they were released: their attempt's commit will be refused)."""

    @abstractmethod
    def retry(self, task: Task, delay: float, error: str) -> None:
        """Give the task back, runnable again after `delay` seconds; nothing if this attempt's
        lease is lost (the task is someone else's now)."""

    @abstractmethod
    def reclaim(self) -> int:
        """Release every expired lease, whoever held it, so live processes take the tasks over
        (in order: a group's head stays its head); returns how many."""

    @abstractmethod
    def recover(self, owner_prefix: str) -> int:
        """Release the leases of owners starting with `owner_prefix` (earlier lives of this
        process, all dead) and every expired lease; returns how many."""

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
        """Atomically: delete `done` (`LeaseLost`, and nothing stored, unless this attempt
        still holds its lease), save `incident`, record `seen` idempotency keys, store an
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
