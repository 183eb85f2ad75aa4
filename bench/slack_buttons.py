"""Benchmark: the messages' Silence and Expire buttons against a real Alertmanager.

`--incidents` Alertmanager groups (one alert each) are sent to the receiver (in this process:
the web app's test client and the delivery engine, SQLite or, with `--redis`, a redis-server on
loopback), so each has its Slack message in FakeSlack. Then every message's Silence button is
pressed, `--threads` presses at a time (the transports' worker threads), and after that every
Expire silence button. Alertmanager is Debian's `prometheus-alertmanager` on a loopback port.

Printed, p50 / p99 / max for each: press to answer (the handler's work: Alertmanager's API, the
store's commit of the state and its refresh), and press to the message showing it (the refresh
task's `chat.update` reaching FakeSlack). A press must be answered well within Slack's 3 s; the
transports acknowledge before it runs, so this is what the person waits for their ephemeral
answer.

    python bench/slack_buttons.py [--incidents 100] [--threads 4] [--redis]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alert_receiver.app import create_app  # noqa: E402
from alert_receiver.clients import build_clients  # noqa: E402
from alert_receiver.metrics import Metrics  # noqa: E402
from alert_receiver.settings import Settings  # noqa: E402
from alert_receiver.store.redis import RedisStore  # noqa: E402
from alert_receiver.store.sqlite import SqliteStore  # noqa: E402
from alert_receiver.wiring import build_button_actions, build_delivery  # noqa: E402
from tests.alert_receiver.daemons import Alertmanager  # noqa: E402
from tests.alert_receiver.payloads import alert, webhook  # noqa: E402
from tests.alert_receiver.slack_presses import BOB, actions_of, press  # noqa: E402
from tests.fakes import FakeLoki, FakeSlack  # noqa: E402
from tests.helpers import free_port, require_binary, stop, wait_redis  # noqa: E402

TOKEN = "bench-token"  # noqa: S105 - the benchmark's own


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (
        f"{name:<44} p50 {statistics.median(ms):7.1f} ms   p99 {p99:7.1f} ms"
        f"   max {ms[-1]:7.1f} ms   (n={len(ms)})"
    )


def redis_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            *(require_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp)),
        ],
        stdout=subprocess.DEVNULL,
    )
    wait_redis(port, proc=proc)
    return proc, f"redis://127.0.0.1:{port}/0"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--incidents", type=int, default=100)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--redis", action="store_true", help="the Redis store instead of SQLite")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-buttons-"))
    (tmp / "token").write_text(TOKEN)
    am = Alertmanager(tmp, f"http://127.0.0.1:{free_port()}/unused", tmp / "token")
    slack, loki = FakeSlack(), FakeLoki()
    redis = None
    env = {
        "ALERT_RECEIVER_TOKEN": TOKEN,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_CHANNEL": "C0ALERTS",
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": "bench",
        "ALERTMANAGER_URL": am.url,
        "LOKI_URL": loki.url,
        "ALERT_RECEIVER_FIRST_POST_WAIT": "0",
        "REPORT_LANGUAGE": "en",
    }
    settings = Settings.from_env(env)
    if args.redis:
        redis, url = redis_server(tmp)
        store = RedisStore.from_url(url, prefix="bench")
    else:
        store = SqliteStore(tmp / "queue.db")
    clients, metrics = build_clients(settings), Metrics()
    delivery = build_delivery(settings, store, clients, metrics, recover_prefix="", poll=0.005)
    delivery.start()
    client = create_app(settings, store, clients, metrics).test_client()
    buttons = build_button_actions(settings, store, clients)
    try:
        for i in range(args.incidents):
            body = webhook(alert(f"Bench{i}", pod=f"p{i}", namespace=f"ns{i}"), group=f"ns{i}")
            auth = {"Authorization": f"Bearer {TOKEN}"}
            assert client.post("/api/v1/alerts", json=body, headers=auth).status_code == 202
        deadline = time.monotonic() + 120
        while len(slack.posts()) < args.incidents or sum(store.stats().depth.values()):
            if time.monotonic() > deadline:
                raise SystemExit("the messages were not all posted within 120 s")
            time.sleep(0.05)
        messages = [copy.deepcopy(m) for m in slack.posts()]
        print(
            f"{args.incidents} incidents, {args.threads} presses at a time, "
            f"{'Redis' if args.redis else 'SQLite'} store, Alertmanager {am.url}"
        )

        def timed(message: dict, action_id: str, shows: str) -> tuple[float, float]:
            ts = message["ts"]
            pressed = time.monotonic()
            reply = buttons.handle(press(message, action_id, user=BOB))
            answered = time.monotonic() - pressed
            assert reply is not None
            assert reply.text[0] in "🔕⏰", reply.text
            while shows not in str(slack.messages[ts]["attachments"]):
                if time.monotonic() - pressed > 30:
                    raise SystemExit(f"message {ts} did not show {shows!r} within 30 s")
                time.sleep(0.002)
            return answered, time.monotonic() - pressed

        for action_id, shows in (("silence", "Silenced* by"), ("expire_silence", "expired by")):
            if action_id == "expire_silence":
                messages = [copy.deepcopy(slack.messages[m["ts"]]) for m in messages]
                assert all(actions_of(m)[0]["action_id"] == action_id for m in messages)
            with ThreadPoolExecutor(args.threads) as pool:
                n = len(messages)
                results = list(pool.map(timed, messages, [action_id] * n, [shows] * n))
            print(summary(f"{action_id}: press to answer", [a for a, _ in results]))
            print(summary(f"{action_id}: press to message updated", [u for _, u in results]))
    finally:
        delivery.stop()
        clients.close()
        store.close()
        am.close()
        slack.close()
        loki.close()
        if redis is not None:
            stop(redis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
