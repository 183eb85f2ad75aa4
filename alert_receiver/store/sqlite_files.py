"""The SQLite store's two files and their connections; sqlite.py keeps what is stored in them.

SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries. The inbox's writers queue
on a lock of their own instead (group_commit.py), and other locks are waited for here, in steps
of a fraction of a millisecond. One connection per thread and file (sqlite3 connections are not
shared between threads), all closed by `_close_connections()`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alert_receiver.store.base import StoreError


class SqliteFiles:
    """`<db>` (the work file) and `<db stem>.inbox<suffix>` beside it, in WAL mode."""

    def __init__(self, path: str | Path, *, synchronous: str, busy_timeout: float) -> None:
        self.path = str(path)
        p = Path(path)
        self.inbox_path = str(p.with_name(f"{p.stem}.inbox{p.suffix or '.db'}"))
        self._sync = synchronous
        self._busy_ms = int(busy_timeout * 1000)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _conn(self, inbox: bool = False) -> sqlite3.Connection:
        attr = "inbox" if inbox else "conn"
        conn = getattr(self._local, attr, None)
        if conn is None:
            if self._closed:
                raise StoreError("the store is closed")
            path = self.inbox_path if inbox else self.path
            try:
                conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 0")  # we wait ourselves: see the docstring
                self._retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL"))
                # The intake's commits are always FULL: they are what a 202 promises.
                conn.execute(f"PRAGMA synchronous = {'FULL' if inbox else self._sync}")
                if inbox:  # checkpoints are the delivery's job, not a webhook's
                    conn.execute("PRAGMA wal_autocheckpoint = 20000")
            except sqlite3.Error as e:
                raise StoreError(f"cannot open {path}: {e}") from e
            setattr(self._local, attr, conn)
            with self._lock:
                self._all.append(conn)
        return conn

    def _retry_busy(self, call: Any) -> Any:
        deadline = time.monotonic() + self._busy_ms / 1000
        pause = 0.0001
        while True:
            try:
                return call()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 1.5, 0.002)

    @contextmanager
    def _write(self, inbox: bool = False) -> Iterator[sqlite3.Connection]:
        conn = self._conn(inbox)
        try:
            self._retry_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._retry_busy(lambda: conn.execute("COMMIT"))
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: {e}") from e

    def _read(self, sql: str, args: Any = (), inbox: bool = False) -> list[tuple]:
        try:
            conn = self._conn(inbox)
            return self._retry_busy(lambda: conn.execute(sql, args).fetchall())
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: {e}") from e

    def _close_connections(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()
