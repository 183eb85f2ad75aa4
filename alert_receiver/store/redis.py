"""The Redis store: the same queue and state, shared by several receiver replicas.

Every replica's web workers enqueue and every replica's delivery process claims; each
multi-key step is one Lua script or one MULTI/EXEC, so two replicas never claim the same task
and a group's tasks still run one at a time, oldest first:

    {P}:task:<id>        hash: lane, kind, serial_key, payload, created, not_before, attempts, owner
    {P}:ready:<lane>     zset id -> not_before: what can be claimed (of a group, its head only)
    {P}:serial:<key>     list of a group's task ids, oldest first
    {P}:leased           zset id -> lease expiry (Redis' clock); every replica releases the
                         expired ones as it runs (`reclaim`), so a dead replica's tasks come back
    {P}:tasks:<lane>     zset id -> created: depth and age of the oldest, for /metrics
    {P}:seen:<key>       idempotency keys, expiring after the retention
    {P}:incident:<id>    an incident; {P}:group:<group_id> -> the group's latest incident id
    {P}:enrich:<id>:<kind>, {P}:cache:<key>   log context and analysis; the analysis cache
    {P}:result:<id>      an on-demand request's result, expiring after its time to live

Durability is Redis' own: run it with `appendonly yes` (and `appendfsync always` for the same
promise as SQLite's FULL; `everysec` can lose the last second if Redis itself dies). The key
prefix is wrapped in braces so that all keys share one hash slot.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

import redis

from alert_receiver.model import LANE_NAMES, Incident, NewTask, QueueStats, Task, dumps
from alert_receiver.store import redis_scripts as lua
from alert_receiver.store.base import LeaseLost, Store, StoreError


class RedisStore(Store):
    def __init__(
        self, client: redis.Redis, *, prefix: str = "alert-receiver", retention: float = 14 * 86400
    ) -> None:
        self.r = client
        self.p = "{" + prefix + "}"
        self.retention = int(retention)
        self._enqueue = client.register_script(lua.ENQUEUE)
        self._claim = client.register_script(lua.CLAIM)
        self._done = client.register_script(lua.DONE)
        self._retry = client.register_script(lua.RETRY)
        self._reclaim = client.register_script(lua.RECLAIM)
        self._recover = client.register_script(lua.RECOVER)
        self._renew = client.register_script(lua.RENEW)
        self._enrich = client.register_script(lua.ENRICH)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisStore:
        client = redis.Redis.from_url(
            url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
        )
        return cls(client, **kwargs)

    def _do(self, what: str, call: Any) -> Any:
        try:
            return call()
        except redis.RedisError as e:
            raise StoreError(f"redis: {what}: {e}") from e

    @staticmethod
    def _task_args(tasks: Sequence[NewTask]) -> list[Any]:
        args: list[Any] = []
        for t in tasks:
            args += [
                t.lane,
                t.kind,
                t.serial_key or "",
                t.encoded(),
                repr(t.created),
                repr(t.not_before or t.created),
                "",
            ]
        return args

    def enqueue(self, tasks: Sequence[NewTask]) -> list[str]:
        ids = self._do("enqueue", lambda: self._enqueue(args=[self.p, *self._task_args(tasks)]))
        return [i.decode() if isinstance(i, bytes) else str(i) for i in ids]

    def claim(self, lane: str, owner: str, lease: float) -> Task | None:
        row = self._do(
            "claim", lambda: self._claim(args=[self.p, lane, repr(time.time()), repr(lease), owner])
        )
        if not row:
            return None
        task_id, kind, serial, payload, created, attempts = (
            v.decode() if isinstance(v, bytes) else v for v in row
        )
        return Task(
            task_id, kind, json.loads(payload), serial or None, float(created), int(attempts)
        )

    def renew(self, owner: str, task_ids: Iterable[str], lease: float) -> set[str]:
        ids = list(task_ids)
        if not ids:
            return set()
        lost = self._do("renew", lambda: self._renew(args=[self.p, owner, repr(lease), *ids]))
        return {i.decode() if isinstance(i, bytes) else str(i) for i in lost}

    def retry(self, task: Task, delay: float, error: str) -> None:
        self._do(
            "retry",
            lambda: self._retry(
                args=[self.p, task.id, repr(time.time() + delay), error[:500], task.attempts]
            ),
        )

    def reclaim(self) -> int:
        return int(self._do("reclaim", lambda: self._reclaim(args=[self.p])))

    def recover(self, owner_prefix: str) -> int:
        return int(self._do("recover", lambda: self._recover(args=[self.p, owner_prefix])))

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
        def run() -> None:
            with self.r.pipeline(transaction=True) as pipe:
                if done is not None:
                    self._fence(pipe, done)
                pipe.multi()
                if done is not None:
                    self._done(args=[self.p, done.id, repr(time.time())], client=pipe)
                if incident is not None:
                    self._save(pipe, incident)
                for key in seen:
                    pipe.set(f"{self.p}:seen:{key}", "1", ex=self.retention)
                if enrichment is not None:
                    incident_id, kind, revision, body = enrichment
                    self._enrich(
                        keys=[f"{self.p}:enrich:{incident_id}:{kind}"],
                        args=[revision, dumps(body), self.retention + 86400],
                        client=pipe,
                    )
                if cache is not None:
                    key, body, ttl = cache
                    pipe.set(f"{self.p}:cache:{key}", dumps(body), ex=max(1, int(ttl)))
                if result is not None:
                    request_id, body, ttl = result
                    pipe.set(f"{self.p}:result:{request_id}", dumps(body), ex=max(1, int(ttl)))
                if enqueue:
                    self._enqueue(args=[self.p, *self._task_args(enqueue)], client=pipe)
                pipe.execute()

        for _ in range(3):
            try:
                return self._do("commit", run)
            except StoreError as e:
                if not isinstance(e.__cause__, redis.WatchError):
                    raise
                # The task's hash changed since _fence read it: next time round says why.
        raise LeaseLost(f"task {done.id if done else '?'}: its lease kept changing under commit")

    def _fence(self, pipe: Any, task: Task) -> None:
        """WATCH the task and check that this attempt still holds it: EXEC then applies the
        whole commit only if nobody released or claimed the task in between."""
        key = f"{self.p}:task:{task.id}"
        pipe.watch(key)
        owner, attempts = pipe.hmget(key, "owner", "attempts")
        if not owner or attempts is None or int(attempts) != task.attempts:
            raise LeaseLost(
                f"task {task.id}: attempt {task.attempts} lost its lease (taken over after it "
                "expired); its effects are dropped"
            )

    def _save(self, pipe: Any, incident: Incident) -> None:
        key = f"{self.p}:incident:{incident.id}"
        pipe.set(key, incident.to_json())
        pipe.set(f"{self.p}:group:{incident.group_id}", incident.id)
        if incident.resolved:  # forgotten after the retention, as SQLite's prune() does
            pipe.expire(key, self.retention)
            pipe.expire(f"{self.p}:group:{incident.group_id}", self.retention)
        else:
            pipe.persist(key)
            pipe.persist(f"{self.p}:group:{incident.group_id}")

    def seen(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        if not keys:
            return set()
        values = self._do("seen", lambda: self.r.mget([f"{self.p}:seen:{k}" for k in keys]))
        return {k for k, v in zip(keys, values, strict=True) if v is not None}

    def incident(self, group_id: str) -> Incident | None:
        incident_id = self._do("incident", lambda: self.r.get(f"{self.p}:group:{group_id}"))
        return self.incident_by_id(incident_id.decode()) if incident_id else None

    def incident_by_id(self, incident_id: str) -> Incident | None:
        body = self._do("incident", lambda: self.r.get(f"{self.p}:incident:{incident_id}"))
        return Incident.from_json(body) if body else None

    def enrichment(self, incident_id: str, kind: str) -> tuple[int, dict[str, Any]] | None:
        body = self._do("enrichment", lambda: self.r.get(f"{self.p}:enrich:{incident_id}:{kind}"))
        if not body:
            return None
        revision, _, text = body.decode().partition("\n")
        return int(revision), json.loads(text)

    def cached(self, key: str) -> dict[str, Any] | None:
        body = self._do("cache", lambda: self.r.get(f"{self.p}:cache:{key}"))
        return json.loads(body) if body else None

    def result(self, request_id: str) -> dict[str, Any] | None:
        body = self._do("result", lambda: self.r.get(f"{self.p}:result:{request_id}"))
        return json.loads(body) if body else None

    def queued_payloads(self, serial_key: str) -> list[dict[str, Any]]:
        def run() -> list[Any]:
            ids = self.r.lrange(f"{self.p}:serial:{serial_key}", 0, -1)
            with self.r.pipeline(transaction=False) as pipe:
                for i in ids:
                    task_id = i.decode() if isinstance(i, bytes) else i
                    pipe.hget(f"{self.p}:task:{task_id}", "payload")
                return pipe.execute()

        # A task done between the two reads has lost its hash: left out.
        return [json.loads(p) for p in self._do("queued", run) if p is not None]

    def stats(self) -> QueueStats:
        def run() -> QueueStats:
            with self.r.pipeline(transaction=False) as pipe:
                for lane in LANE_NAMES:
                    pipe.zcard(f"{self.p}:tasks:{lane}")
                    pipe.zrange(f"{self.p}:tasks:{lane}", 0, 0, withscores=True)
                pipe.scard(f"{self.p}:retrying")
                out = pipe.execute()
            depth, oldest = {}, None
            for i, lane in enumerate(LANE_NAMES):
                depth[lane] = out[2 * i]
                if out[2 * i + 1]:
                    first = out[2 * i + 1][0][1]
                    oldest = first if oldest is None else min(oldest, first)
            age = max(0.0, time.time() - oldest) if oldest else 0.0
            return QueueStats(depth, age, out[-1])

        return self._do("stats", run)

    def prune(self, older_than: float) -> int:
        return 0  # everything prunable carries a TTL

    def ping(self) -> None:
        self._do("ping", self.r.ping)

    def close(self) -> None:
        self.r.close()
