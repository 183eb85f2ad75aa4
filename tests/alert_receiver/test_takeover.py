"""Replicas on Redis take over a dead replica's work while they run, and a new replica on the
same host name never takes a live one's.

Real components on 127.0.0.1: Debian's redis-server, two `alert-receiver` processes (supervisor,
gunicorn, delivery) behind Debian's HAProxy, and a three-peer cluster of Debian's Alertmanager
firing into HAProxy. FakeSlack (its Web API) holds posts in flight; each replica has one Slack
thread, so a held post holds its replica's Slack work and the other replica does the rest.

1. The first post takes effect in Slack, its answer is held: that replica is the victim.
2. The survivor's next post is held before it takes effect (a slow Slack, a live replica).
3. The victim is killed with kill -9 mid-post; a replacement starts under a new identity on the
   same host name (every process here shares one), behind the same HAProxy, as when a Deployment
   replaces a pod. It must not release the survivor's post, which is held for two leases more
   (the survivor renews it); the victim's tasks come back when their leases expire.

Every group must be posted exactly once (no Slack message, top-level or reply, twice under one
nonce), updated with the alert that joined it meanwhile, and resolved.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alert_receiver import identity
from tests.alert_receiver.conftest import TOKEN
from tests.alert_receiver.daemons import Alertmanager, HAProxy, ReceiverProcess
from tests.alert_receiver.payloads import alert, webhook
from tests.alert_receiver.test_e2e import base_env, post_json, wait_for
from tests.alert_receiver.test_store import redis_url  # noqa: F401 - the fixture
from tests.helpers import free_port

pytestmark = pytest.mark.integration

GROUPS = 4  # fired first; a fifth joins later, while the first post is held
LEASE = 4  # seconds (ALERT_RECEIVER_LEASE)


def am_alert(group: int, pod: str, ends: datetime | None = None) -> dict:
    a = {
        "labels": {
            "alertname": f"Down{group}",
            "severity": "critical",
            "namespace": f"ns{group}",  # the test Alertmanager config groups by namespace
            "pod": pod,
        },
        "annotations": {"summary": f"ns{group}/{pod} is down"},
    }
    if ends:
        a["endsAt"] = ends.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return a


def fire(peers: list[Alertmanager], alerts: list[dict]) -> None:
    """As Prometheus does: every alert to every Alertmanager of the cluster."""
    for am in peers:
        assert post_json(f"{am.url}/api/v2/alerts", alerts) == 200


def name_of(message: dict) -> str:
    return message["text"].split(": ", 1)[1].split(" ")[0]


def nonce_of(message: dict) -> str:
    meta = message.get("metadata") or {}
    meta = json.loads(meta) if isinstance(meta, str) else meta
    return meta["event_payload"]["id"]


def alertmanager_cluster(tmp_path, webhook_url: str, token_file) -> list[Alertmanager]:
    ports = [free_port() for _ in range(3)]
    peers: list[Alertmanager] = []
    try:
        for i, port in enumerate(ports):
            home = tmp_path / f"am{i}"
            home.mkdir()
            others = [p for p in ports if p != port]
            peers.append(
                Alertmanager(home, webhook_url, token_file, cluster_port=port, peers=others)
            )
    except BaseException:
        for am in peers:
            am.close()
        raise
    return peers


def test_a_replica_killed_mid_post_is_taken_over_and_every_group_posted_once_and_resolved(
    tmp_path,
    slack,
    redis_url,  # noqa: F811
):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    env = {
        **base_env(tmp_path, slack),
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": f"takeover{time.monotonic_ns()}",
        "ALERT_RECEIVER_LEASE": f"{LEASE}s",
        "ALERT_RECEIVER_SLACK_CONCURRENCY": "1",
        "SLACK_TIMEOUT": "30s",  # a held post is slow, not failed
        "ALERT_RECEIVER_DELIVERY_NICE": "0",  # a shared test machine, not an alert storm
    }
    ports = {"r1": free_port(), "r2": free_port(), "r3": free_port()}

    def start(name: str) -> ReceiverProcess:
        own = {**env, "SLACK_API_URL": slack.api_url_for(name)}
        return ReceiverProcess(own, "--listen", f"127.0.0.1:{ports[name]}")

    first_post = slack.hold("chat.postMessage")
    replicas = {name: start(name) for name in ("r1", "r2")}
    proxy = HAProxy(tmp_path, ports)  # r3, the replacement, is down until it starts
    peers: list[Alertmanager] = []
    slow_post = None
    try:
        peers = alertmanager_cluster(tmp_path, f"{proxy.url}/api/v1/alerts", token_file)
        fire(peers, [am_alert(g, "a") for g in range(GROUPS)])
        assert first_post.arrived.wait(60), "no post reached Slack"
        victim = first_post.via
        survivor = "r2" if victim == "r1" else "r1"
        slow_post = slack.hold("chat.postMessage", via=survivor, effect_first=False)
        # Every group gains an alert (the victim's queues behind its held post); one is new.
        fire(peers, [am_alert(g, "b") for g in range(GROUPS)] + [am_alert(GROUPS, "a")])
        assert slow_post.arrived.wait(60), "the survivor posted nothing"
        replicas.pop(victim).kill()  # kill -9: Slack has the post, Redis has no ts for it
        first_post.release()
        replicas["r3"] = start("r3")  # a new pod: new identity, same host name
        assert wait_for(lambda: any("delivering from" in x for x in replicas["r3"].log), 30)
        time.sleep(2 * LEASE)  # the survivor's held post outlives its first lease twice
        slow_post.release()

        def updated() -> bool:
            posts = {name_of(m): m["text"] for m in slack.posts()}
            want = {f"Down{g}": "FIRING 2:" for g in range(GROUPS)} | {f"Down{GROUPS}": "FIRING"}
            return posts.keys() == want.keys() and all(want[n] in t for n, t in posts.items())

        assert wait_for(updated, timeout=90), [m["text"] for m in slack.posts()]
        ended = datetime.now(UTC) - timedelta(seconds=1)
        fire(peers, [am_alert(g, p, ended) for g in range(GROUPS) for p in "ab"])
        fire(peers, [am_alert(GROUPS, "a", ended)])
        assert wait_for(lambda: all("RESOLVED" in m["text"] for m in slack.posts()), timeout=90), [
            m["text"] for m in slack.posts()
        ]
        time.sleep(1.0)  # a doubled post would show now

        posts = slack.posts()
        assert sorted(name_of(m) for m in posts) == [f"Down{g}" for g in range(GROUPS + 1)]
        nonces = [nonce_of(m) for m in slack.posts(thread=None)]
        assert len(nonces) == len(set(nonces)), "a message was posted twice"
        assert name_of(first_post.args) in {name_of(m) for m in posts}
        logs = "".join(line for r in replicas.values() for line in r.log)
        assert "whose lease expired" in logs  # taken over by running replicas
        assert "already posted by an earlier attempt" in logs  # the victim's post, adopted
    finally:
        first_post.release()
        if slow_post is not None:
            slow_post.release()
        for am in peers:
            am.close()
        proxy.close()
        for r in replicas.values():
            r.terminate()


def children(pid: int) -> dict[int, str]:
    """The child processes of `pid` and their command lines, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = cmdline.decode()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return found


def test_a_delivery_process_restarted_by_its_supervisor_takes_its_work_back_at_once(
    tmp_path,
    slack,
    redis_url,  # noqa: F811
):
    """The supervisor hands its identity to the delivery process it restarts: the new one
    releases its predecessor's leases at start, long before they would expire."""
    env = {
        **base_env(tmp_path, slack),
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": f"restart{time.monotonic_ns()}",
        "ALERT_RECEIVER_LEASE": "10m",  # expiry cannot be what brings the task back here
    }
    held = slack.hold("chat.postMessage")
    receiver = ReceiverProcess(env)
    try:
        payload = webhook(alert("Restarted", pod="p1"), group="restart")
        assert post_json(f"{receiver.url}/api/v1/alerts", payload, TOKEN) == 202
        assert held.arrived.wait(30)
        [delivery] = [p for p, cmd in children(receiver.proc.pid).items() if "delivery" in cmd]
        os.kill(delivery, signal.SIGKILL)  # mid-post: Slack has it, the queue has no ts
        held.release()
        assert wait_for(lambda: any("already posted by an earlier" in x for x in receiver.log))
        owners = re.findall(r"delivery (\S+): leases of", "".join(receiver.log))
        assert len(owners) == 2
        assert identity.instance_of(owners[0]) == identity.instance_of(owners[1])
        assert owners[0] != owners[1]
        assert any("released 1 task(s) left running by an earlier" in x for x in receiver.log)
        assert len(slack.posts()) == 1
    finally:
        held.release()
        receiver.terminate()
