"""Benchmark: acting from Slack. How fast Slack is acknowledged, how fast the person is answered,
and how long a replica is deaf after its Socket Mode connection ends.

slack-sdk's own Socket Mode client, the dispatcher the delivery process builds (slack_wiring.py)
and FakeSlack's loopback WebSocket end (tests/fakes/); the button handler is a stand-in that takes
`--work` seconds (an Alertmanager call, say), so the acknowledgement is seen not to wait for it.

    python bench/slack_actions.py [--presses 200] [--work 0.5] [--reconnects 3]

Prints, for Socket Mode: envelope -> acknowledgement and envelope -> reply (p50, p95, max);
for each way a connection ends (Slack's refresh notice, a close frame, a socket that just dies):
the time until envelopes are acknowledged again; and for `POST /slack/events` (Flask's test
client, signature checked): request -> 200.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alert_receiver.app import create_app
from alert_receiver.clients import build_clients
from alert_receiver.interactions import Interaction, Reply
from alert_receiver.metrics import Metrics
from alert_receiver.settings import Settings
from alert_receiver.slack_events import signature
from alert_receiver.slack_wiring import build_dispatcher
from alert_receiver.store.sqlite import SqliteStore
from integrations.slack_socket import SocketModeListener
from tests.fakes import FakeSlack
from tests.fakes.slack_socket import block_actions, slash_command


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<34} n={len(ms):<4} p50 {statistics.median(ms):8.1f} ms   "
        f"p95 {pct(ms, 0.95):8.1f} ms   max {max(ms):8.1f} ms"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--work", type=float, default=0.5, help="seconds the handler takes")
    ap.add_argument("--reconnects", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-slack-"))
    slack = FakeSlack()
    socket = slack.open_socket_mode()
    settings = Settings.from_env(
        {
            "ALERT_RECEIVER_TOKEN": "t",
            "ALERT_RECEIVER_DB": str(tmp / "q.db"),
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": "C0ALERTS",
            "SLACK_API_URL": slack.api_url,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_SIGNING_SECRET": "bench-secret",
            "SLACK_ACTION_THREADS": "8",
        }
    )
    store = SqliteStore(settings.db_path, synchronous="NORMAL")
    clients = build_clients(settings)
    metrics = Metrics()

    def slow(i: Interaction) -> Reply:
        time.sleep(args.work)
        return Reply("done")

    dispatcher = build_dispatcher(settings, store, clients, metrics, buttons=slow)

    def on_envelope(kind: str, payload: dict) -> None:
        from alert_receiver.slack_dispatch import interaction_from

        i = interaction_from(kind, payload)
        if i is not None:
            dispatcher.submit(i)

    listener = SocketModeListener(
        settings.slack_app_token, on_envelope, api_url=slack.api_url, timeout=5
    )
    listener.start()
    assert socket.wait_connected(timeout=30)

    print(f"Socket Mode, {args.presses} presses, handler {args.work:g}s, 8 action threads")
    acks, replies = [], []
    for n in range(args.presses):
        name = f"p{n}"
        sent = time.monotonic()
        envelope = socket.send(
            "interactive", block_actions("silence", "x", response_url=slack.response_url(name))
        )
        assert socket.wait_ack(envelope, timeout=10)
        acks.append(envelope.ack_seconds or 0.0)
    assert slack.wait_replies(name, timeout=120)  # the last one: the backlog is done
    print(line("  envelope -> ack (a burst)", acks))
    print(f"  the burst's last reply {time.monotonic() - sent:.1f}s after it was sent")
    for n in range(10):  # one at a time: the handler's time plus the path's
        name = f"q{n}"
        sent = time.monotonic()
        socket.send(
            "interactive", block_actions("silence", "x", response_url=slack.response_url(name))
        )
        assert slack.wait_replies(name, timeout=60)
        replies.append(time.monotonic() - sent)
    print(line("  envelope -> reply (one at a time)", replies))

    print(f"Socket Mode reconnection (ping interval 5 s), {args.reconnects} of each")
    for how in ("refresh notice", "close frame", "socket dies"):
        gaps = []
        for _ in range(args.reconnects):
            before = len(socket.connections)
            ended = time.monotonic()
            if how == "refresh notice":
                socket.refresh()
            else:
                socket.drop(graceful=how == "close frame")
            assert socket.wait_connected(count=before + 1, timeout=60)
            envelope = socket.send("slash_commands", slash_command("help"))
            assert socket.wait_ack(envelope, timeout=10)
            gaps.append((envelope.acked or 0.0) - ended)
        print(line(f"  {how} -> acknowledging again", gaps))

    app = create_app(settings, store, clients, metrics, dispatcher=dispatcher)
    client = app.test_client()
    answers = []
    for n in range(args.presses):
        body = urllib.parse.urlencode(
            slash_command("help", response_url=slack.response_url(f"h{n}"))
        ).encode()
        ts = str(int(time.time()))
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature("bench-secret", ts, body),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = time.monotonic()
        assert client.post("/slack/events", data=body, headers=headers).status_code == 200
        answers.append(time.monotonic() - started)
    print("POST /slack/events (Flask test client)")
    print(line("  request -> 200", answers))

    listener.close()
    dispatcher.close()
    clients.close()
    store.close()
    slack.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
