"""The delivery engine: claims tasks from the store and runs them on bounded thread pools.

One dispatcher thread per lane claims a task whenever the lane has a free thread, so a slow
Bedrock (analysis lane) or Loki (logs lane) never holds back a Slack post (slack lane).
A task that raises is given back with exponential backoff (Retry-After when Slack or Bedrock
sent one), never dropped: the queue depth and oldest-task age in /metrics show a stuck receiver.

Each claim is a lease of `lease` seconds. A housekeeping thread, every third of the lease (at
most 5 s), renews the leases of the tasks running here, so a long Bedrock call is never taken
away from a live process, then releases every expired lease in the queue (`reclaim`): a replica
that died (kill -9, a node lost, a pod replaced under a new name, a replica scaled away) has its
tasks taken over by the live ones about one lease after its last heartbeat, and its groups move
on. An attempt that outlived its lease anyway (this process stalled longer than the lease) is
refused at commit (`LeaseLost`); the attempt that took over checks Slack for what it posted.

At start, `recover()` releases at once the leases that earlier lives of this process left
behind: with SQLite the delivery process holds an exclusive lock on the database (see cli.py), so
every lease in it is stale; with Redis only those of its own instance (identity.py), never those
of another process on the same host, which may be alive.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from alert_receiver import identity
from alert_receiver.metrics import Metrics
from alert_receiver.model import Task
from alert_receiver.pipeline import Pipeline
from alert_receiver.store.base import LeaseLost, Store, StoreError
from integrations.errors import IntegrationError, RateLimited

log = logging.getLogger(__name__)


class Delivery:
    def __init__(
        self,
        store: Store,
        pipeline: Pipeline,
        metrics: Metrics,
        *,
        concurrency: dict[str, int] | None = None,
        owner: str | None = None,
        recover_prefix: str | None = None,
        lease: float = 30.0,
        poll: float = 0.02,
        retry_base: float = 1.0,
        retry_max: float = 300.0,
        retention: float = 14 * 86400,
        prune_every: float = 600.0,
    ) -> None:
        self.store, self.pipeline, self.metrics = store, pipeline, metrics
        self.concurrency = {"slack": 4, "logs": 8, "analysis": 4, **(concurrency or {})}
        # A new instance unless the caller (cli.py) names one: it then has no earlier lives.
        self.owner = owner or identity.owner_of(identity.new_instance())
        if recover_prefix is None:
            recover_prefix = identity.lives_of(identity.instance_of(self.owner))
        self.recover_prefix = recover_prefix
        self.lease, self.poll = lease, poll
        self.heartbeat = min(lease / 3, 5.0)
        self.retry_base, self.retry_max = retry_base, retry_max
        self.retention, self.prune_every = retention, prune_every
        self._stop = threading.Event()  # stop claiming
        self._stopped = threading.Event()  # running tasks are done: stop renewing their leases
        self._threads: list[threading.Thread] = []
        self._housekeeper: threading.Thread | None = None
        self._lost: set[str] = set()  # running here, lease lost: warned about once
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._running: dict[str, Task] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        recovered = self.store.recover(self.recover_prefix)
        if recovered:
            log.info("released %d task(s) left running by an earlier process", recovered)
        log.info(
            "delivery %s: leases of %gs, renewed every %gs", self.owner, self.lease, self.heartbeat
        )
        for lane, n in self.concurrency.items():
            pool = ThreadPoolExecutor(n, thread_name_prefix=f"deliver-{lane}")
            self._pools[lane] = pool
            t = threading.Thread(target=self._dispatch, args=(lane, pool, n), name=f"claim-{lane}")
            t.start()
            self._threads.append(t)
        self._housekeeper = threading.Thread(target=self._housekeeping, name="housekeeping")
        self._housekeeper.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop claiming, let running tasks finish (their own timeouts bound them) while their
        leases are still renewed; what a kill cuts short comes back when its lease expires."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        self._stopped.set()
        if self._housekeeper is not None:
            self._housekeeper.join(timeout)
        self.pipeline.close()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def _dispatch(self, lane: str, pool: ThreadPoolExecutor, size: int) -> None:
        free = threading.Semaphore(size)
        while not self._stop.is_set():
            if not free.acquire(timeout=0.2):
                continue
            try:
                task = self.store.claim(lane, self.owner, self.lease)
            except StoreError as e:
                free.release()
                log.error("cannot claim from the queue: %s", e)
                self._stop.wait(1.0)
                continue
            if task is None:
                free.release()
                self._stop.wait(self.poll)
                continue
            with self._lock:
                self._running[task.id] = task
            pool.submit(self._run, task, free)

    def _run(self, task: Task, free: threading.Semaphore) -> None:
        try:
            self.pipeline.handle(task)
            self.metrics.completed.labels(task.kind).inc()
        except Exception as e:
            self._failed(task, e)
        finally:
            with self._lock:
                if self._running.get(task.id) is task:  # not a newer attempt claimed here since
                    del self._running[task.id]
            free.release()

    def _failed(self, task: Task, err: Exception) -> None:
        if isinstance(err, LeaseLost):  # the task is another attempt's now: nothing to retry
            log.warning("task %s (%s) attempt %d: %s", task.id, task.kind, task.attempts, err)
            self.metrics.failed.labels(task.kind, "lease_lost").inc()
            return
        if isinstance(err, IntegrationError):
            reason = f"{err.system}_{type(err).__name__.lower()}"
            log.warning(
                "task %s (%s) attempt %d failed: %s", task.id, task.kind, task.attempts, err
            )
        elif isinstance(err, StoreError):
            reason = "store"
            log.warning(
                "task %s (%s) attempt %d failed: %s", task.id, task.kind, task.attempts, err
            )
        else:
            reason = "bug"
            log.exception(
                "task %s (%s) attempt %d failed unexpectedly", task.id, task.kind, task.attempts
            )
        self.metrics.failed.labels(task.kind, reason).inc()
        delay = min(self.retry_max, self.retry_base * 2 ** min(task.attempts - 1, 20))
        delay *= 0.8 + 0.4 * random.random()  # noqa: S311 - jitter
        if isinstance(err, RateLimited) and err.retry_after:
            delay = max(delay, err.retry_after)
        try:
            self.store.retry(task, delay, str(err))
            self.metrics.retried.labels(task.kind).inc()
        except StoreError as e:  # the lease runs out and the task comes back anyway
            log.error("cannot reschedule task %s: %s", task.id, e)

    def _housekeeping(self) -> None:
        last_prune = 0.0
        while not self._stopped.wait(self.heartbeat):
            try:
                self._renew()
                released = self.store.reclaim()
                if released:
                    log.warning(
                        "released %d task(s) whose lease expired (their process died or stalled)",
                        released,
                    )
                if time.monotonic() - last_prune > self.prune_every:
                    last_prune = time.monotonic()
                    pruned = self.store.prune(time.time() - self.retention)
                    if pruned:
                        log.info("pruned %d old incidents and keys", pruned)
            except StoreError as e:
                log.error("housekeeping: %s", e)

    def _renew(self) -> None:
        """The heartbeat: first, so this process's own tasks are renewed before it reclaims."""
        with self._lock:
            ids = list(self._running)
        lost = self.store.renew(self.owner, ids, self.lease)
        with self._lock:
            lost &= self._running.keys()
        fresh, self._lost = lost - self._lost, lost
        for task_id in sorted(fresh):
            log.warning(
                "task %s: lease lost while still running here (this process stalled longer than "
                "the lease); another attempt has it, this one's result will be dropped",
                task_id,
            )
