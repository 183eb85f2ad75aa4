"""Group commit for the SQLite inbox, and the lock its writers take across processes.

A webhook is answered only once its row is on disk (an fsync). One fsync per webhook, each
waiting for the write lock in turn, would make a burst queue up behind the disk. Instead, the
callers that arrive while a commit is on its way to disk wait for it; then one of them (the
leader) writes all of theirs in one transaction and one fsync, and hands the lead to the next
in line.

Between processes (several web workers, and the delivery process when it clears imported rows)
SQLite itself only polls for its write lock: a writer that finds it taken sleeps and tries
again, and under a burst those sleeps, not the disk, set the answer time. So writers first take
an exclusive `flock` on `<inbox>.lock`, which the kernel hands to the next waiter the moment it
is released; SQLite's lock is then free whenever ours is held.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from alert_receiver.store.base import StoreError

Rows = Sequence[tuple]


class WriterLock:
    """An exclusive `flock` on a file, opened in each process that uses it (a descriptor
    inherited across a fork would be one lock shared by parent and child)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._pid = 0
        self._local = threading.Lock()  # flock is per descriptor: threads take turns first

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._local:
            if self._file is None or self._pid != os.getpid():
                try:
                    self._file = open(self.path, "ab")  # noqa: SIM115 - held for the process
                except OSError as e:
                    raise StoreError(f"cannot open {self.path}: {e}") from e
                self._pid = os.getpid()
            fcntl.flock(self._file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._file, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._local:
            if self._file is not None and self._pid == os.getpid():
                self._file.close()
            self._file = None


class _Waiter:
    """One caller waiting for a group commit."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.ids: list[str] = []
        self.error: StoreError | None = None
        self.lead = False
        self.done = threading.Event()


class GroupCommit:
    """`submit(rows)` returns the IDs `write(batches)` gave them, once they are committed.

    `write` gets every waiting caller's rows at once, writes them in one transaction and returns
    one list of IDs per caller; a `StoreError` it raises fails every caller of that batch.
    """

    def __init__(self, write: Callable[[list[Rows]], list[list[str]]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._pending: list[_Waiter] = []
        self._leading = False

    def submit(self, rows: Rows) -> list[str]:
        me = _Waiter(rows)
        with self._lock:
            self._pending.append(me)
            if not self._leading:
                self._leading = me.lead = True
        if not me.lead:
            me.done.wait()
            if not me.lead:  # a leader committed ours
                if me.error is not None:
                    raise me.error
                return me.ids
        with self._lock:  # we lead: take everything waiting, ourselves included
            batch, self._pending = self._pending, []
        try:
            for w, ids in zip(batch, self._write([w.rows for w in batch]), strict=True):
                w.ids = ids
        except Exception as e:  # every waiter must wake, with a reason
            error = e if isinstance(e, StoreError) else StoreError(f"inbox write failed: {e!r}")
            for w in batch:
                w.error = error
        finally:
            with self._lock:
                if self._pending:  # hand the lead to the next in line
                    self._pending[0].lead = True
                    self._pending[0].done.set()
                else:
                    self._leading = False
            for w in batch:
                if w is not me:
                    w.lead = False
                    w.done.set()
        if me.error is not None:
            raise me.error
        return me.ids
