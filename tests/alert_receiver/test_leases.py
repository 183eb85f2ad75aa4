"""Leases across replicas: an expired lease is taken over while everyone runs, a renewed one
keeps its task, an attempt that lost its lease cannot commit, and a new process on the same host
name releases nothing of a live one. Both stores (real SQLite, a real redis-server), then the
delivery engine itself on Redis with FakeSlack holding a post in flight."""

from __future__ import annotations

import time

import pytest

from alert_receiver import identity
from alert_receiver.app import create_app
from alert_receiver.clients import build_clients
from alert_receiver.metrics import Metrics
from alert_receiver.model import Incident
from alert_receiver.payload import Notification
from alert_receiver.settings import Settings
from alert_receiver.store.base import LeaseLost
from alert_receiver.store.redis import RedisStore
from alert_receiver.wiring import build_delivery
from runtime.settings import SettingsError
from tests.alert_receiver.conftest import AUTH
from tests.alert_receiver.payloads import alert, webhook
from tests.alert_receiver.test_redis_delivery import redis_settings
from tests.alert_receiver.test_store import notify, redis_url, store  # noqa: F401 - fixtures

ALIVE = "node-1/4f1c2a9e/aaaaaaaaaaaa/10.0001"  # another replica on the same host name


def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(store):  # noqa: F811
    store.enqueue([notify("g1", 1), notify("g2", 2)])
    live = store.claim("slack", ALIVE, 300)
    dead = store.claim("slack", "node-2/0badf00d/bbbbbbbbbbbb/11.0002", 0.2)
    assert (live.payload["n"], dead.payload["n"]) == (1, 2)
    time.sleep(0.4)
    assert store.reclaim() == 1
    again = store.claim("slack", "node-3/0badf00d/cccccccccccc/12.0003", 30)
    assert (again.id, again.attempts) == (dead.id, 2)
    assert store.claim("slack", "node-3/0badf00d/cccccccccccc/12.0003", 30) is None
    assert store.reclaim() == 0


def test_an_old_format_owner_is_taken_over_once_its_lease_expires(store):  # noqa: F811
    """A rolling upgrade: leases written as `<host>:<random>` by the previous version."""
    store.enqueue([notify("g")])
    store.claim("slack", "node-1:0123456789ab", 0.2)
    assert store.recover(identity.lives_of(identity.new_instance("node-1"))) == 0
    time.sleep(0.4)
    assert store.reclaim() == 1


def test_a_renewed_lease_outlives_its_first_term(store):  # noqa: F811
    store.enqueue([notify("g")])
    task = store.claim("slack", ALIVE, 0.3)
    assert store.renew(ALIVE, [task.id], 300) == set()
    time.sleep(0.5)
    assert store.reclaim() == 0
    assert store.claim("slack", "other", 30) is None
    store.commit(done=task)
    assert store.stats().depth["slack"] == 0


def test_an_attempt_that_lost_its_lease_can_neither_commit_nor_give_it_back(store):  # noqa: F811
    n = Notification("r", "firing", "{}:{}", {}, {}, {}, "", ())
    store.enqueue([notify(n.group_id)])
    stalled = store.claim("slack", ALIVE, 0.2)
    time.sleep(0.4)
    assert store.reclaim() == 1
    with pytest.raises(LeaseLost):  # released, not claimed again yet
        store.commit(done=stalled, incident=Incident.start(n, time.time()), seen=["fp|firing|t"])
    assert store.seen(["fp|firing|t"]) == set()
    assert store.incident(n.group_id) is None
    taker = store.claim("slack", "taker", 30)
    assert taker.attempts == 2
    assert store.renew(ALIVE, [stalled.id], 30) == {stalled.id}
    store.retry(stalled, 0, "late")  # not the stalled attempt's to give back
    assert store.claim("slack", "third", 30) is None
    with pytest.raises(LeaseLost):
        store.commit(done=stalled)
    store.commit(done=taker, seen=["fp|firing|t"])
    assert store.seen(["fp|firing|t"]) == {"fp|firing|t"}
    assert store.renew("taker", [taker.id], 30) == set()  # done: nobody's to lose


def test_a_taken_over_task_keeps_its_place_in_its_group(store):  # noqa: F811
    store.enqueue([notify("g", 1), notify("g", 2)])
    store.claim("slack", "dead", 0.2)
    time.sleep(0.4)
    assert store.reclaim() == 1
    first = store.claim("slack", "live", 30)
    assert (first.payload["n"], first.attempts) == (1, 2)
    assert store.claim("slack", "live", 30) is None  # the resolution still waits
    store.commit(done=first)
    assert store.claim("slack", "live", 30).payload["n"] == 2


def test_recover_at_start_releases_only_this_instances_earlier_lives(store):  # noqa: F811
    mine = identity.new_instance("node-1")
    neighbour = identity.new_instance("node-1")  # host networking: the same host name
    store.enqueue([notify("g1", 1), notify("g2", 2), notify("g3", 3)])
    store.claim("slack", identity.owner_of(neighbour), 300)
    earlier = store.claim("slack", f"{mine}/99.dead", 300)
    store.claim("slack", "node-1:0123456789ab", 300)  # the previous version's format
    assert store.recover(identity.lives_of(mine)) == 1
    assert store.claim("slack", identity.owner_of(mine), 30).id == earlier.id


def test_identities_on_one_host_differ_and_name_their_instance():
    a, b = identity.new_instance(), identity.new_instance()
    assert a != b
    assert a.split("/")[:2] == b.split("/")[:2]  # host name and boot id
    owner = identity.owner_of(a)
    assert owner.startswith(identity.lives_of(a))
    assert identity.instance_of(owner) == a
    assert not identity.owner_of(b).startswith(identity.lives_of(a))


def test_a_lease_shorter_than_a_second_is_refused():
    with pytest.raises(SettingsError, match="ALERT_RECEIVER_LEASE"):
        Settings.from_env({"ALERT_RECEIVER_LEASE": "500ms"})
    assert Settings.from_env({}).lease == 30


# -- the delivery engine ---------------------------------------------------------------------


def replica(url: str, slack, prefix: str, name: str):
    """One replica's delivery process, in this process: its own store, clients and identity."""
    settings = redis_settings(
        url,
        slack,
        prefix,
        SLACK_API_URL=slack.api_url_for(name),
        SLACK_TIMEOUT="60s",  # the held post must not time out: that would be a retry
        ALERT_RECEIVER_LEASE="3s",
    )
    queue = RedisStore.from_url(url, prefix=prefix)
    clients, metrics = build_clients(settings), Metrics()
    delivery = build_delivery(settings, queue, clients, metrics, poll=0.01)
    web = create_app(settings, queue, clients, metrics).test_client()
    return delivery, queue, clients, metrics, web


def test_a_slow_attempt_keeps_its_task_and_a_neighbour_on_its_host_releases_nothing(
    redis_url,  # noqa: F811
    slack,
):
    held = slack.hold("chat.postMessage")
    a, a_store, a_clients, a_metrics, web = replica(redis_url, slack, "slow", "a")
    a.start()
    b = None
    try:
        sent = web.post("/api/v1/alerts", json=webhook(alert("SlowPost")), headers=AUTH)
        assert sent.status_code == 202
        assert held.arrived.wait(20)
        since = time.monotonic()
        # A second replica starts on the same host name while A's post is in flight.
        b, b_store, b_clients, *_ = replica(redis_url, slack, "slow", "b")
        assert b.owner.split("/")[0] == a.owner.split("/")[0]
        b.start()
        # B's reaper runs every second; A's lease (3 s) would have run out twice over.
        time.sleep(max(0.0, 2.5 * a.lease - (time.monotonic() - since)))
        held.release()
        deadline = time.monotonic() + 20
        while (a.running or a_store.stats().depth["slack"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(slack.posts()) == 1
        assert held.via == "a"
        assert slack.count("conversations.history") == 0  # no second attempt looked for it
        lost = {"kind": "notify", "reason": "lease_lost"}
        assert not a_metrics.registry.get_sample_value("alert_receiver_tasks_failed_total", lost)
    finally:
        held.release()
        a.stop()
        a_clients.close()
        a_store.close()
        if b is not None:
            b.stop()
            b_clients.close()
            b_store.close()
