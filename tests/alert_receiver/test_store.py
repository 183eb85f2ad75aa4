"""Both stores, same promises: real SQLite, and a real redis-server on a loopback port."""

from __future__ import annotations

import subprocess
import time

import pytest

from alert_receiver.model import Incident, NewTask
from alert_receiver.payload import Notification
from alert_receiver.store.redis import RedisStore
from alert_receiver.store.sqlite import SqliteStore
from tests.helpers import free_port, require_binary, stop, wait_redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = require_binary("redis-server")
    port = free_port()
    data = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--dir",
            str(data),
        ],
        stdout=subprocess.DEVNULL,
    )
    wait_redis(port, proc=proc)
    yield f"redis://127.0.0.1:{port}/0"
    stop(proc)


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "q.db")
    else:
        url = request.getfixturevalue("redis_url")
        s = RedisStore.from_url(url, prefix=f"t{time.monotonic_ns()}")
    yield s
    s.close()


def notify(group: str, n: int = 0) -> NewTask:
    return NewTask("notify", {"n": n}, serial_key=group)


def drain(store) -> dict[str, list[int]]:
    """Run every slack-lane task; each group's payload numbers in the order they ran."""
    seen: dict[str, list[int]] = {}
    while (task := store.claim("slack", "w", 30)) is not None:
        seen.setdefault(task.serial_key, []).append(task.payload["n"])
        store.commit(done=task)
    return seen


def test_a_groups_tasks_run_one_at_a_time_in_order(store):
    store.enqueue([notify("g1", 1), notify("g1", 2), notify("g2", 3)])
    first = store.claim("slack", "w", 30)
    other = store.claim("slack", "w", 30)
    assert (first.payload["n"], other.payload["n"]) == (1, 3)
    assert store.claim("slack", "w", 30) is None  # g1's second waits for its first
    store.commit(done=first)
    assert store.claim("slack", "w", 30).payload["n"] == 2


def test_lanes_are_separate_and_retry_waits(store):
    store.enqueue([NewTask("analyze", {"x": 1}), notify("g")])
    a = store.claim("analysis", "w", 30)
    assert a.kind == "analyze"
    assert a.attempts == 1
    store.retry(a, 0.3, "throttled")
    assert store.claim("analysis", "w", 30) is None
    assert store.stats().retrying == 1
    time.sleep(0.35)
    again = store.claim("analysis", "w", 30)
    assert again.id == a.id
    assert again.attempts == 2


def test_recover_releases_a_dead_owners_leases(store):
    store.enqueue([notify("g")])
    t = store.claim("slack", "host-a:1", 300)
    assert store.claim("slack", "host-b:2", 300) is None
    assert store.recover("host-b:") == 0
    assert store.recover("host-a:") == 1
    t2 = store.claim("slack", "host-b:2", 300)
    assert t2.id == t.id
    assert t2.attempts == 2


def test_expired_lease_is_recovered_by_anyone(store):
    store.enqueue([NewTask("logs", {})])
    store.claim("logs", "gone:1", 0.1)
    time.sleep(0.2)
    assert store.recover("nobody:") == 1
    assert store.claim("logs", "w", 30) is not None


def test_commit_is_all_or_nothing_and_keeps_the_newest_enrichment(store):
    n = Notification("r", "firing", "{}:{}", {}, {}, {}, "", ())
    incident = Incident.start(n, time.time())
    store.enqueue([notify(n.group_id)])
    task = store.claim("slack", "w", 30)
    store.commit(
        done=task,
        incident=incident,
        seen=["fp|firing|t"],
        enrichment=(incident.id, "logs", 2, {"lines": []}),
        cache=("k", {"text": "cached"}, 60),
        enqueue=[NewTask("logs", {"i": 1})],
    )
    assert store.seen(["fp|firing|t", "other"]) == {"fp|firing|t"}
    assert store.incident(n.group_id).id == incident.id
    assert store.cached("k") == {"text": "cached"}
    assert store.stats().depth == {"slack": 0, "logs": 1, "analysis": 0}
    store.commit(enrichment=(incident.id, "logs", 1, {"lines": ["old"]}))
    assert store.enrichment(incident.id, "logs") == (2, {"lines": []})
    store.commit(enrichment=(incident.id, "logs", 3, {"lines": ["new"]}))
    assert store.enrichment(incident.id, "logs") == (3, {"lines": ["new"]})


def test_actions_from_slack_are_kept_newest_first_without_a_task(store):
    """A button's silence or acknowledgement: stored with its refresh in one commit of no task,
    under the action's time in milliseconds, so a late write of an older action loses."""
    at = int(time.time() * 1000)
    refresh = NewTask("refresh", {"incident": "i1"}, serial_key="g1")
    store.commit(enrichment=("i1", "silence", at, {"id": "s-new"}), enqueue=[refresh])
    store.commit(enrichment=("i1", "silence", at - 5, {"id": "s-old"}))
    store.commit(enrichment=("i1", "ack", at, {"by_id": "U1"}))
    assert store.enrichment("i1", "silence") == (at, {"id": "s-new"})
    assert store.enrichment("i1", "ack") == (at, {"by_id": "U1"})
    assert store.queued_payloads("g1") == [{"incident": "i1"}]


def test_results_are_kept_for_their_time_to_live(store):
    store.commit(result=("r1", {"status": "ok", "text": "결과"}, 0.5))
    assert store.result("r1") == {"status": "ok", "text": "결과"}
    assert store.result("r2") is None
    time.sleep(1.1)  # Redis expires in whole seconds
    assert store.result("r1") is None
    store.prune(time.time())  # SQLite deletes the expired row; Redis had expired it


def test_queued_payloads_of_a_serial_key_until_each_is_done(store):
    store.enqueue([NewTask("analyze", {"id": "a"}, serial_key="ondemand"), notify("g")])
    store.enqueue([NewTask("analyze", {"id": "b"}, serial_key="ondemand")])
    assert store.queued_payloads("ondemand") == [{"id": "a"}, {"id": "b"}]
    first = store.claim("analysis", "w", 30)
    assert first.payload == {"id": "a"}
    assert store.claim("analysis", "w", 30) is None  # one at a time
    assert store.queued_payloads("ondemand") == [{"id": "a"}, {"id": "b"}]  # running counts
    store.commit(done=first, result=("a", {"status": "ok"}, 60))
    assert store.queued_payloads("ondemand") == [{"id": "b"}]
    assert store.result("a") == {"status": "ok"}
    store.commit(done=store.claim("analysis", "w", 30))
    assert store.queued_payloads("ondemand") == []
    assert store.queued_payloads("nothing") == []


def test_stats_report_depth_and_age(store):
    assert store.stats().oldest_age == 0
    store.enqueue([NewTask("notify", {}, serial_key="g", created=time.time() - 30)])
    stats = store.stats()
    assert stats.depth["slack"] == 1
    assert 29 < stats.oldest_age < 60


def test_sqlite_survives_reopen(tmp_path):
    s = SqliteStore(tmp_path / "q.db")
    s.enqueue([notify("g", 7)])
    s.claim("slack", "dead:1", 300)
    s.close()
    s = SqliteStore(tmp_path / "q.db")
    assert s.recover("") == 1
    assert s.claim("slack", "w", 30).payload == {"n": 7}
    s.close()


def test_sqlite_group_commit_under_concurrency(tmp_path):
    import threading

    s = SqliteStore(tmp_path / "q.db")
    ids: list[str] = []
    lock = threading.Lock()

    def send(k: int) -> None:
        for i in range(25):
            got = s.enqueue([notify(f"g{k}", i)])
            with lock:
                ids.extend(got)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 200
    assert s.stats().depth["slack"] == 200
    seen = drain(s)
    assert all(v == list(range(25)) for v in seen.values())  # each sender's order kept
    s.close()


def test_sqlite_inbox_writers_in_several_processes(tmp_path):
    """Web workers are processes: their group commits take turns on the inbox's writer lock."""
    import subprocess
    import sys
    from pathlib import Path

    writer = (
        "import sys, threading\n"
        "from alert_receiver.model import NewTask\n"
        "from alert_receiver.store.sqlite import SqliteStore\n"
        "s = SqliteStore(sys.argv[1])\n"
        "def send(k):\n"
        "    for i in range(40):\n"
        "        s.enqueue([NewTask('notify', {'n': i}, serial_key=sys.argv[2] + str(k))])\n"
        "ts = [threading.Thread(target=send, args=(k,)) for k in range(4)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]; s.close()\n"
    )
    path = tmp_path / "q.db"
    SqliteStore(path).close()
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen([sys.executable, "-c", writer, str(path), f"p{p}-"], cwd=root)
        for p in range(3)
    ]
    assert [p.wait(60) for p in procs] == [0, 0, 0]
    s = SqliteStore(path)
    seen = drain(s)
    assert len(seen) == 12
    assert all(v == list(range(40)) for v in seen.values())
    s.close()
