"""The SQLite store: two files in WAL mode, for a single receiver (one pod, one volume).

    alert_receiver.db        the work queue and state; written only by the delivery process
    alert_receiver.inbox.db  notifications as received; appended to only by the web workers

Why two: a webhook's answer waits for its INSERT, and that must never wait for the delivery
process, which commits several times per notification and, when niced below the web in a storm,
may be descheduled while holding a lock. With its own file, the intake only ever waits for
other intake writes. The delivery process imports new inbox rows into the work queue and records
how far it got (`inbox_hwm`) in the same transaction, so a crash between the two files neither
loses nor repeats a notification; old inbox rows are deleted, and its WAL checkpointed, by the
delivery process, only after the work file's high-water mark is on disk.

Durability: inbox commits always use `synchronous=FULL` (`ALERT_RECEIVER_DB_SYNC` reaches only
the work file), so once `enqueue()` returns the notification survives kill -9 and a power cut.
The delivery process commits the work file with NORMAL (see `open_store`): a power cut can only
take back progress, which is re-run and de-duplicated.
Connections, and waiting for SQLite's locks, are sqlite_files.py's. Do not put the files on a
network filesystem shared by several replicas: use Redis.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from alert_receiver.model import LANE_NAMES, LANES, Incident, NewTask, QueueStats, Task, dumps
from alert_receiver.store.base import LeaseLost, Store
from alert_receiver.store.group_commit import GroupCommit, WriterLock
from alert_receiver.store.sqlite_files import SqliteFiles
from alert_receiver.store.sqlite_schema import (
    _CLAIM,
    CLEANUP_EVERY,
    DELETE_HELD,
    IMPORT_BATCH,
    INBOX_SCHEMA,
    RETRY_HELD,
    SCHEMA,
)


class SqliteStore(SqliteFiles, Store):
    def __init__(
        self, path: str | Path, *, synchronous: str = "FULL", busy_timeout: float = 10.0
    ) -> None:
        super().__init__(path, synchronous=synchronous, busy_timeout=busy_timeout)
        self._import_lock = threading.Lock()
        self._writer = WriterLock(f"{self.inbox_path}.lock")
        self._group = GroupCommit(self._append)
        self._hwm: int | None = None
        self._last_cleanup = time.monotonic()
        with self._write() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
        with self._write(inbox=True) as db:
            db.execute(INBOX_SCHEMA)

    # -- queue ---------------------------------------------------------------------------------

    def enqueue(self, tasks: Sequence[NewTask]) -> list[str]:
        """Into the inbox: the only write a webhook waits for (see group_commit.py)."""
        return self._group.submit(
            [(t.kind, t.serial_key, t.encoded(), t.created, t.not_before) for t in tasks]
        )

    def _append(self, batches: list[Sequence[tuple]]) -> list[list[str]]:
        with self._writer.held(), self._write(inbox=True) as db:
            return [
                [
                    str(
                        db.execute(
                            "INSERT INTO inbox (kind, serial_key, payload, created, not_before)"
                            " VALUES (?, ?, ?, ?, ?)",
                            row,
                        ).lastrowid
                    )
                    for row in rows
                ]
                for rows in batches
            ]

    def _high_water_mark(self) -> int:
        rows = self._read("SELECT value FROM meta WHERE key = 'inbox_hwm'")
        return int(rows[0][0]) if rows else 0

    def _import(self) -> None:
        """Move new inbox rows into the work queue, in order, exactly once."""
        if not self._import_lock.acquire(blocking=False):
            return  # another thread is importing right now
        try:
            if self._hwm is None:
                self._hwm = self._high_water_mark()
            rows = self._read(
                "SELECT id, kind, serial_key, payload, created, not_before FROM inbox"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (self._hwm, IMPORT_BATCH),
                inbox=True,
            )
            if rows:
                with self._write() as db:
                    db.executemany(
                        "INSERT INTO tasks (lane, kind, serial_key, payload, created, not_before)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        [(LANES[k], k, key, payload, c, nb) for _, k, key, payload, c, nb in rows],
                    )
                    db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('inbox_hwm', ?)",
                        (rows[-1][0],),
                    )
                self._hwm = rows[-1][0]
            if time.monotonic() - self._last_cleanup > CLEANUP_EVERY:
                self._last_cleanup = time.monotonic()
                self._cleanup()
        finally:
            self._import_lock.release()

    def _cleanup(self) -> None:
        """Delete imported inbox rows, once the work file's record of them is on disk."""
        busy, frames, done = self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy or frames != done:
            return  # not all of the work WAL is in the database file yet: next time
        with self._writer.held(), self._write(inbox=True) as db:
            db.execute("DELETE FROM inbox WHERE id <= ?", (self._hwm,))
        self._conn(inbox=True).execute("PRAGMA wal_checkpoint(PASSIVE)")

    @staticmethod
    def _insert(db: sqlite3.Connection, t: NewTask) -> str:
        cur = db.execute(
            "INSERT INTO tasks (lane, kind, serial_key, payload, created, not_before)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (t.lane, t.kind, t.serial_key, t.encoded(), t.created, t.not_before),
        )
        return str(cur.lastrowid)

    def claim(self, lane: str, owner: str, lease: float) -> Task | None:
        self._import()
        now = time.time()
        ready = self._read(
            "SELECT 1 FROM tasks WHERE lane = ? AND owner IS NULL AND not_before <= ? LIMIT 1",
            (lane, now),
        )
        if not ready:  # the common idle case, without taking the write lock
            return None
        with self._write() as db:
            row = db.execute(
                _CLAIM, {"owner": owner, "lease": now + lease, "lane": lane, "now": now}
            ).fetchone()
        if row is None:
            return None
        task_id, kind, serial_key, payload, created, attempts = row
        return Task(str(task_id), kind, json.loads(payload), serial_key, created, attempts)

    def renew(self, owner: str, task_ids: Iterable[str], lease: float) -> set[str]:
        ids = [int(i) for i in task_ids]
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        with self._write() as db:
            db.execute(
                f"UPDATE tasks SET lease_until = ? WHERE owner = ? AND id IN ({marks})",  # noqa: S608
                (time.time() + lease, owner, *ids),
            )
            lost = db.execute(
                f"SELECT id FROM tasks WHERE owner IS NOT ? AND id IN ({marks})",  # noqa: S608
                (owner, *ids),
            ).fetchall()
        return {str(row[0]) for row in lost}

    def retry(self, task: Task, delay: float, error: str) -> None:
        with self._write() as db:
            db.execute(RETRY_HELD, (time.time() + delay, error[:500], int(task.id), task.attempts))

    def reclaim(self) -> int:
        return self._release("lease_until < ?", (time.time(),))

    def recover(self, owner_prefix: str) -> int:
        return self._release(
            "(substr(owner, 1, ?) = ? OR lease_until < ?)",
            (len(owner_prefix), owner_prefix, time.time()),
        )

    def _release(self, where: str, args: tuple) -> int:
        with self._write() as db:
            return db.execute(
                f"UPDATE tasks SET owner = NULL, lease_until = NULL"  # noqa: S608
                f" WHERE owner IS NOT NULL AND {where}",
                args,
            ).rowcount

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
        now = time.time()
        with self._write() as db:
            if (
                done is not None
                and not db.execute(DELETE_HELD, (int(done.id), done.attempts)).rowcount
            ):
                raise LeaseLost(f"task {done.id}: attempt {done.attempts} lost its lease")
            if incident is not None:
                self._save(db, incident, now)
            db.executemany(
                "INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?)", [(k, now) for k in seen]
            )
            if enrichment is not None:
                incident_id, kind, revision, body = enrichment
                db.execute(
                    "INSERT INTO enrichments (incident_id, kind, revision, body) VALUES (?,?,?,?)"
                    " ON CONFLICT (incident_id, kind) DO UPDATE SET"
                    " revision = excluded.revision, body = excluded.body"
                    " WHERE excluded.revision >= enrichments.revision",
                    (incident_id, kind, revision, dumps(body)),
                )
            if cache is not None:
                key, body, ttl = cache
                db.execute(
                    "INSERT OR REPLACE INTO cache (key, body, expires) VALUES (?, ?, ?)",
                    (key, dumps(body), now + ttl),
                )
            if result is not None:
                request_id, body, ttl = result
                db.execute(
                    "INSERT OR REPLACE INTO results (id, body, expires) VALUES (?, ?, ?)",
                    (request_id, dumps(body), now + ttl),
                )
            for t in enqueue:
                self._insert(db, t)

    @staticmethod
    def _save(db: sqlite3.Connection, incident: Incident, now: float) -> None:
        db.execute(
            "INSERT INTO incidents (id, group_id, created, updated, resolved, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " updated = excluded.updated, resolved = excluded.resolved, body = excluded.body",
            (
                incident.id,
                incident.group_id,
                incident.created,
                now,
                int(incident.resolved),
                incident.to_json(),
            ),
        )

    # -- state ---------------------------------------------------------------------------------

    def seen(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._read(f"SELECT key FROM seen WHERE key IN ({marks})", chunk)  # noqa: S608
            )
        return found

    def incident(self, group_id: str) -> Incident | None:
        rows = self._read(
            "SELECT body FROM incidents WHERE group_id = ? ORDER BY created DESC LIMIT 1",
            (group_id,),
        )
        return Incident.from_json(rows[0][0]) if rows else None

    def incident_by_id(self, incident_id: str) -> Incident | None:
        rows = self._read("SELECT body FROM incidents WHERE id = ?", (incident_id,))
        return Incident.from_json(rows[0][0]) if rows else None

    def enrichment(self, incident_id: str, kind: str) -> tuple[int, dict[str, Any]] | None:
        rows = self._read(
            "SELECT revision, body FROM enrichments WHERE incident_id = ? AND kind = ?",
            (incident_id, kind),
        )
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def cached(self, key: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT body FROM cache WHERE key = ? AND expires > ?", (key, time.time())
        )
        return json.loads(rows[0][0]) if rows else None

    def result(self, request_id: str) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT body FROM results WHERE id = ? AND expires > ?", (request_id, time.time())
        )
        return json.loads(rows[0][0]) if rows else None

    def queued_payloads(self, serial_key: str) -> list[dict[str, Any]]:
        # A task moves from the inbox to the work file, then is deleted when done: read in
        # that order, so one that moves between the reads is found in the second (or twice).
        waiting = self._read(
            "SELECT payload FROM inbox WHERE id > ? AND serial_key = ? ORDER BY id",
            (self._high_water_mark(), serial_key),
            inbox=True,
        )
        stored = self._read(
            "SELECT payload FROM tasks WHERE serial_key = ? ORDER BY id", (serial_key,)
        )
        # Imported rows are older than the inbox's; a row read in both files counts once.
        payloads = list(dict.fromkeys(row[0] for row in stored + waiting))
        return [json.loads(p) for p in payloads]

    def stats(self) -> QueueStats:
        # The inbox first: a task moved to `tasks` between the two reads is then counted twice
        # for a moment, never missed (an empty queue must mean one).
        waiting = self._read(
            "SELECT kind, COUNT(*), MIN(created), 0 FROM inbox WHERE id > ? GROUP BY kind",
            (self._high_water_mark(),),
            inbox=True,
        )
        rows = self._read(
            "SELECT lane, COUNT(*), MIN(created), SUM(last_error IS NOT NULL) FROM tasks"
            " GROUP BY lane"
        )
        rows = rows + [(LANES[kind], n, first, failed) for kind, n, first, failed in waiting]
        depth = dict.fromkeys(LANE_NAMES, 0)
        oldest, retrying = None, 0
        for lane, count, first, failed in rows:
            depth[lane] += count
            oldest = first if oldest is None else min(oldest, first)
            retrying += failed or 0
        return QueueStats(depth, max(0.0, time.time() - oldest) if oldest else 0.0, retrying)

    def prune(self, older_than: float) -> int:
        with self._write() as db:
            n = db.execute("DELETE FROM seen WHERE at < ?", (older_than,)).rowcount
            old = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM incidents WHERE resolved = 1 AND updated < ?", (older_than,)
                )
            ]
            db.executemany("DELETE FROM enrichments WHERE incident_id = ?", [(i,) for i in old])
            db.executemany("DELETE FROM incidents WHERE id = ?", [(i,) for i in old])
            n += len(old)
            n += db.execute("DELETE FROM cache WHERE expires < ?", (time.time(),)).rowcount
            n += db.execute("DELETE FROM results WHERE expires < ?", (time.time(),)).rowcount
        return n

    def ping(self) -> None:
        self._read("SELECT 1")

    def close(self) -> None:
        self._close_connections()
        self._writer.close()
