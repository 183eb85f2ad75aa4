"""The Redis store: the same queue and state, shared by several receiver replicas.

Every replica's web workers enqueue and every replica's delivery process claims; each
multi-key step is one Lua script or one MULTI/EXEC, so two replicas never claim the same task
and a group's tasks still run one at a time, oldest first:

    {P}:task:<id>        hash: lane, kind, serial_key, payload, created, not_before, attempts, owner
    {P}:ready:<lane>     zset id -> not_before: what can be claimed (of a group, its head only)
    {P}:serial:<key>     list of a group's task ids, oldest first
    {P}:leased           zset id -> lease expiry; a dead replica's tasks come back when it passes
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
from alert_receiver.store.base import Store, StoreError

_ENQUEUE = """
local p = ARGV[1]
local ids = {}
for i = 2, #ARGV, 7 do
  local lane, kind, serial = ARGV[i], ARGV[i+1], ARGV[i+2]
  local payload, created, nb = ARGV[i+3], ARGV[i+4], ARGV[i+5]
  local id = redis.call('INCR', p .. ':seq')
  redis.call('HSET', p .. ':task:' .. id, 'lane', lane, 'kind', kind, 'serial_key', serial,
             'payload', payload, 'created', created, 'not_before', nb, 'attempts', 0, 'owner', '')
  redis.call('ZADD', p .. ':tasks:' .. lane, created, id)
  if serial ~= '' then
    if redis.call('RPUSH', p .. ':serial:' .. serial, id) == 1 then
      redis.call('ZADD', p .. ':ready:' .. lane, nb, id)
    end
  else
    redis.call('ZADD', p .. ':ready:' .. lane, nb, id)
  end
  ids[#ids + 1] = tostring(id)
end
return ids
"""

_CLAIM = """
local p, lane, now, lease, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ids = redis.call('ZRANGEBYSCORE', p .. ':ready:' .. lane, '-inf', now, 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local key = p .. ':task:' .. id
redis.call('ZREM', p .. ':ready:' .. lane, id)
redis.call('ZADD', p .. ':leased', lease, id)
redis.call('HSET', key, 'owner', owner)
local attempts = redis.call('HINCRBY', key, 'attempts', 1)
local t = redis.call('HMGET', key, 'kind', 'serial_key', 'payload', 'created')
return {id, t[1], t[2], t[3], t[4], tostring(attempts)}
"""

_DONE = """
local p, id, now = ARGV[1], ARGV[2], ARGV[3]
local key = p .. ':task:' .. id
local t = redis.call('HMGET', key, 'lane', 'serial_key')
if not t[1] then return 0 end
redis.call('ZREM', p .. ':leased', id)
redis.call('ZREM', p .. ':ready:' .. t[1], id)
redis.call('ZREM', p .. ':tasks:' .. t[1], id)
redis.call('SREM', p .. ':retrying', id)
redis.call('DEL', key)
if t[2] and t[2] ~= '' then
  local list = p .. ':serial:' .. t[2]
  redis.call('LREM', list, 1, id)
  local head = redis.call('LINDEX', list, 0)
  if head then
    local h = redis.call('HMGET', p .. ':task:' .. head, 'lane', 'not_before', 'owner')
    if h[3] == '' then redis.call('ZADD', p .. ':ready:' .. h[1], h[2], head) end
  end
end
return 1
"""

_RETRY = """
local p, id, nb, err = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. ':task:' .. id
local lane = redis.call('HGET', key, 'lane')
if not lane then return 0 end
redis.call('ZREM', p .. ':leased', id)
redis.call('HSET', key, 'owner', '', 'not_before', nb, 'last_error', err)
redis.call('SADD', p .. ':retrying', id)
redis.call('ZADD', p .. ':ready:' .. lane, nb, id)
return 1
"""

_RECOVER = """
local p, prefix, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local leased = redis.call('ZRANGE', p .. ':leased', 0, -1, 'WITHSCORES')
local n = 0
for i = 1, #leased, 2 do
  local id, expiry = leased[i], tonumber(leased[i + 1])
  local key = p .. ':task:' .. id
  local t = redis.call('HMGET', key, 'lane', 'owner')
  if not t[1] then
    redis.call('ZREM', p .. ':leased', id)
  elseif expiry < now or string.sub(t[2], 1, #prefix) == prefix then
    redis.call('ZREM', p .. ':leased', id)
    redis.call('HSET', key, 'owner', '')
    redis.call('ZADD', p .. ':ready:' .. t[1], now, id)
    n = n + 1
  end
end
return n
"""

_RENEW = """
local p, owner, lease = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV do
  if redis.call('HGET', p .. ':task:' .. ARGV[i], 'owner') == owner then
    redis.call('ZADD', p .. ':leased', 'XX', lease, ARGV[i])
  end
end
return 1
"""

_ENRICH = """
local key, revision, body = KEYS[1], tonumber(ARGV[1]), ARGV[2]
local old = redis.call('GET', key)
if old and tonumber(string.match(old, '^(%d+)')) > revision then return 0 end
redis.call('SET', key, tostring(revision) .. '\\n' .. body, 'EX', ARGV[3])
return 1
"""


class RedisStore(Store):
    def __init__(
        self, client: redis.Redis, *, prefix: str = "alert-receiver", retention: float = 14 * 86400
    ) -> None:
        self.r = client
        self.p = "{" + prefix + "}"
        self.retention = int(retention)
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._done = client.register_script(_DONE)
        self._retry = client.register_script(_RETRY)
        self._recover = client.register_script(_RECOVER)
        self._renew = client.register_script(_RENEW)
        self._enrich = client.register_script(_ENRICH)

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
        now = time.time()
        row = self._do(
            "claim", lambda: self._claim(args=[self.p, lane, repr(now), repr(now + lease), owner])
        )
        if not row:
            return None
        task_id, kind, serial, payload, created, attempts = (
            v.decode() if isinstance(v, bytes) else v for v in row
        )
        return Task(
            task_id, kind, json.loads(payload), serial or None, float(created), int(attempts)
        )

    def renew(self, owner: str, task_ids: Iterable[str], lease: float) -> None:
        ids = list(task_ids)
        if ids:
            self._do(
                "renew", lambda: self._renew(args=[self.p, owner, repr(time.time() + lease), *ids])
            )

    def retry(self, task: Task, delay: float, error: str) -> None:
        self._do(
            "retry",
            lambda: self._retry(args=[self.p, task.id, repr(time.time() + delay), error[:500]]),
        )

    def recover(self, owner_prefix: str) -> int:
        return int(
            self._do(
                "recover", lambda: self._recover(args=[self.p, owner_prefix, repr(time.time())])
            )
        )

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

        self._do("commit", run)

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
