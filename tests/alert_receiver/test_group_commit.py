"""Group commit: every caller gets its own IDs, and a failed write wakes every caller with it."""

from __future__ import annotations

import threading
import time

import pytest

from alert_receiver.store.base import StoreError
from alert_receiver.store.group_commit import GroupCommit


def run_concurrently(n: int, call) -> list:
    results: list = [None] * n
    start = threading.Barrier(n)

    def one(i: int) -> None:
        start.wait()
        try:
            results[i] = call(i)
        except Exception as e:  # the test looks at what each caller got
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def test_callers_arriving_during_a_commit_share_the_next_one():
    batches: list[int] = []
    counter = iter(range(1, 10_000))

    def write(rows):
        batches.append(len(rows))
        time.sleep(0.02)  # a slow fsync: the others arrive meanwhile
        return [[str(next(counter)) for _ in r] for r in rows]

    group = GroupCommit(write)
    results = run_concurrently(16, lambda i: group.submit([("row", i), ("row", i)]))
    ids = [x for r in results for x in r]
    assert len(ids) == len(set(ids)) == 32
    assert sum(batches) == 16
    assert len(batches) < 16  # some commits carried several callers


def test_a_failed_write_fails_its_batch_and_the_next_caller_leads():
    calls = 0

    def write(rows):
        nonlocal calls
        calls += 1
        time.sleep(0.02)
        if calls == 1:
            raise OSError("disk full")  # not a StoreError: still reaches every caller
        return [["ok"] for _ in rows]

    group = GroupCommit(write)
    results = run_concurrently(8, lambda i: group.submit([("row", i)]))
    failed = [r for r in results if isinstance(r, StoreError)]
    assert failed
    assert all("disk full" in str(e) for e in failed)
    assert all(r == ["ok"] for r in results if not isinstance(r, StoreError))
    assert group.submit([("row", 99)]) == ["ok"]


def test_a_store_error_is_raised_as_it_is():
    def write(rows):
        raise StoreError("queue.db: locked")

    with pytest.raises(StoreError, match=r"^queue\.db: locked$"):
        GroupCommit(write).submit([("row",)])
