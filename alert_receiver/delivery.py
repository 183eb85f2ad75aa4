"""The delivery engine: claims tasks from the store and runs them on bounded thread pools.

One dispatcher thread per lane claims a task whenever the lane has a free thread, so a slow
Bedrock (analysis lane) or Loki (logs lane) never holds back a Slack post (slack lane). Each
claim is a lease; a housekeeping thread renews the leases of running tasks and prunes old state.
A task that raises is given back with exponential backoff (Retry-After when Slack or Bedrock
sent one), never dropped: the queue depth and oldest-task age in /metrics show a stuck receiver.

At start, `recover()` releases leases that a previous life of this process left behind: with
SQLite the delivery process holds an exclusive lock on the database (see cli.py), so every
lease in it is stale; with Redis only those of this host's earlier processes and expired ones.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from alert_receiver.metrics import Metrics
from alert_receiver.model import Task
from alert_receiver.pipeline import Pipeline
from alert_receiver.store.base import Store, StoreError
from integrations.errors import IntegrationError, RateLimited

log = logging.getLogger(__name__)


def owner_prefix() -> str:
    return f"{socket.gethostname()}:"


class Delivery:
    def __init__(
        self,
        store: Store,
        pipeline: Pipeline,
        metrics: Metrics,
        *,
        concurrency: dict[str, int] | None = None,
        recover_prefix: str | None = None,
        lease: float = 60.0,
        poll: float = 0.02,
        retry_base: float = 1.0,
        retry_max: float = 300.0,
        retention: float = 14 * 86400,
        prune_every: float = 600.0,
    ) -> None:
        self.store, self.pipeline, self.metrics = store, pipeline, metrics
        self.concurrency = {"slack": 4, "logs": 8, "analysis": 4, **(concurrency or {})}
        self.owner = f"{owner_prefix()}{uuid.uuid4().hex[:12]}"
        self.recover_prefix = owner_prefix() if recover_prefix is None else recover_prefix
        self.lease, self.poll = lease, poll
        self.retry_base, self.retry_max = retry_base, retry_max
        self.retention, self.prune_every = retention, prune_every
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._running: dict[str, Task] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        recovered = self.store.recover(self.recover_prefix)
        if recovered:
            log.info("released %d task(s) left running by an earlier process", recovered)
        for lane, n in self.concurrency.items():
            pool = ThreadPoolExecutor(n, thread_name_prefix=f"deliver-{lane}")
            self._pools[lane] = pool
            t = threading.Thread(target=self._dispatch, args=(lane, pool, n), name=f"claim-{lane}")
            t.start()
            self._threads.append(t)
        hk = threading.Thread(target=self._housekeeping, name="housekeeping")
        hk.start()
        self._threads.append(hk)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop claiming, let running tasks finish (their own timeouts bound them)."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout)
        for pool in self._pools.values():
            pool.shutdown(wait=True)
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
                self._running.pop(task.id, None)
            free.release()

    def _failed(self, task: Task, err: Exception) -> None:
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
        while not self._stop.wait(min(self.lease / 3, 5.0)):
            with self._lock:
                ids = list(self._running)
            try:
                self.store.renew(self.owner, ids, self.lease)
                if time.monotonic() - last_prune > self.prune_every:
                    last_prune = time.monotonic()
                    pruned = self.store.prune(time.time() - self.retention)
                    if pruned:
                        log.info("pruned %d old incidents and keys", pruned)
            except StoreError as e:
                log.error("housekeeping: %s", e)
