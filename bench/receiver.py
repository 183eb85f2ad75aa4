"""Benchmark: the alert receiver under an alert storm, with a kill -9 in the middle.

1,000 webhook posts of 10 alerts each (one Alertmanager group per post) are sent at full speed
by 8 concurrent keep-alive connections (one asyncio loop) to the real `alert-receiver`
(gunicorn + delivery process, SQLite queue with synchronous=FULL), while FakeLoki answers in 2 s
and FakeBedrock in 10 s. Mid-run, when half of the webhooks have their Slack message and half
are still queued or in flight, the whole receiver process group is killed with SIGKILL and
started again. The fakes run in a process of their own, so their work does not slow the load
generator's clock.

Printed: ack latency p50/p99 and throughput (posts answered 202), each process's CPU per webhook
during the storm and the share of the machine stolen by the hypervisor (other tenants' load, which
moves every figure here), time from the first post to the first Slack message, each webhook's
time to its Slack message (p50/p99, for those posted before the kill), and after the restart:
alerts delivered, lost and doubled, from FakeSlack's records. A sender retries a refused post (as
Alertmanager does). Goals: ack p99 < 25 ms, first Slack post within 2 s, 0 lost, 0 doubled. The
process exits 1 if anything was lost or doubled.

    python bench/receiver.py [--posts 1000] [--alerts 10] [--senders 8] [--loki-delay 2]
                             [--model-delay 10] [--no-kill]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TOKEN = "bench-token"  # noqa: S105 - the benchmark's own


# --- the fakes, in their own process ---------------------------------------------------------


def serve_fakes(loki_delay: float, model_delay: float) -> None:
    from tests.fakes import FakeBedrock, FakeLoki, FakeSlack

    slack, loki = FakeSlack(), FakeLoki(delay=loki_delay)
    bedrock = FakeBedrock(delay=model_delay)
    now = datetime.now(UTC)
    for i in range(50):
        loki.add(
            {"namespace": "bench", "pod": "p0", "container": "app"},
            now - timedelta(seconds=i),
            f"ERROR request {i} failed",
        )
    print(
        json.dumps(
            {"slack": slack.api_url, "loki": loki.url, "bedrock": bedrock.url, "base": slack.url}
        ),
        flush=True,
    )
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


class Fakes:
    def __init__(self, loki_delay: float, model_delay: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-fakes", str(loki_delay), str(model_delay)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.urls = json.loads(self.proc.stdout.readline())

    def posts(self) -> int:
        with urllib.request.urlopen(self.urls["base"] + "/_fake/count", timeout=10) as resp:
            return json.load(resp)["posts"]

    def messages(self) -> list[dict]:
        with urllib.request.urlopen(self.urls["base"] + "/_fake/messages", timeout=60) as resp:
            return json.load(resp)["messages"]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


# --- the receiver ----------------------------------------------------------------------------


class Receiver:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "alert_receiver",
                "--listen",
                "127.0.0.1:0",
                "--log-level",
                "warning",
            ],
            env={**os.environ, **env},
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            cwd=ROOT,
        )
        self.port = 0
        found = threading.Event()

        def drain() -> None:
            for line in self.proc.stderr:
                m = re.search(r"listening on [\d.]+:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    found.set()
                elif "level=error" in line:
                    sys.stderr.write("  receiver: " + line)

        threading.Thread(target=drain, daemon=True).start()
        if not found.wait(30):
            raise SystemExit("alert-receiver did not start")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (what is gone is not counted)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> list[int]:
    """The machine's CPU ticks by state (/proc/stat): user nice system idle iowait irq softirq
    steal. Steal is time the hypervisor gave our virtual CPUs to someone else."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:9]]


def receiver_pids(receiver: Receiver) -> dict[str, list[int]]:
    """The receiver's processes by role, from their command lines."""
    roles: dict[str, list[int]] = {"web": [], "delivery": [], "supervisor": []}
    found = subprocess.run(
        ["pgrep", "-g", str(receiver.proc.pid)], capture_output=True, text=True
    ).stdout.split()
    for pid in map(int, found):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        role = args[args.index(b"--role") + 1].decode() if b"--role" in args else "supervisor"
        roles.setdefault(role, []).append(pid)
    return roles


def settle(receiver: Receiver) -> dict[str, list[int]]:
    """Wait until every web worker is up and has loaded the app, so the storm's CPU figures do
    not include a worker's start; then the processes by role."""
    workers = int(os.environ.get("ALERT_RECEIVER_WEB_WORKERS", "2"))
    deadline = time.time() + 30
    while len((roles := receiver_pids(receiver))["web"]) < workers + 1:  # + gunicorn's arbiter
        if time.time() > deadline:
            raise SystemExit(f"expected {workers} web workers, found {roles['web']}")
        time.sleep(0.1)
    url = f"http://127.0.0.1:{receiver.port}/readyz"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    time.sleep(1.0)  # the other workers' imports
    return roles


# --- load ------------------------------------------------------------------------------------


def payload(i: int, alerts: int) -> bytes:
    start = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    items = [
        {
            "status": "firing",
            "labels": {
                "alertname": f"Bench{i:04d}",
                "severity": "critical",
                "namespace": "bench",
                "pod": f"p{j}",
                "container": "app",
            },
            "annotations": {"summary": "bench alert", "description": f"webhook {i} alert {j}"},
            "startsAt": start,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
            "fingerprint": f"{i:06d}{j:04d}",
        }
        for j in range(alerts)
    ]
    body = {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="Bench{i:04d}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "bench",
        "groupLabels": {"alertname": f"Bench{i:04d}"},
        "commonLabels": {"alertname": f"Bench{i:04d}", "namespace": "bench"},
        "commonAnnotations": {"summary": "bench alert"},
        "externalURL": "http://alertmanager:9093",
        "alerts": items,
    }
    return json.dumps(body).encode()


class Load:
    """`senders` keep-alive connections driven by one asyncio loop: no sender thread waits for
    another's GIL between its answer arriving and its clock stopping, so the latency measured is
    the receiver's, and the load generator stays light on a two-core machine."""

    def __init__(self, posts: int, alerts: int, senders: int) -> None:
        self.bodies = [payload(i, alerts) for i in range(posts)]
        self.senders = senders
        self.latency: dict[int, float] = {}  # webhook -> seconds to its 202
        self.sent_at: dict[int, float] = {}
        self.failed_attempts = 0

    def run(self, port: int) -> None:
        asyncio.run(self._run(port))

    async def _run(self, port: int) -> None:
        todo = iter(range(len(self.bodies)))
        await asyncio.gather(*(self._sender(port, todo) for _ in range(self.senders)))

    async def _sender(self, port: int, todo) -> None:
        conn = None
        for i in todo:
            head = (
                f"POST /api/v1/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(self.bodies[i])}\r\n\r\n"
            ).encode()
            self.sent_at[i] = time.time()
            while True:
                try:
                    if conn is None:
                        conn = await asyncio.open_connection("127.0.0.1", port)
                    reader, writer = conn
                    t0 = time.perf_counter()
                    writer.write(head + self.bodies[i])
                    status_line = await reader.readline()
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    await reader.readexactly(length)
                    if status_line.split()[1:2] == [b"202"]:
                        self.latency[i] = time.perf_counter() - t0
                        break
                    raise OSError(status_line.decode(errors="replace").strip())
                except (OSError, IndexError, asyncio.IncompleteReadError):
                    self.failed_attempts += 1
                    if conn is not None:
                        conn[1].close()
                        conn = None
                    await asyncio.sleep(0.2)  # Alertmanager backs off and retries
        if conn is not None:
            conn[1].close()
            await conn[1].wait_closed()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-fakes":
        serve_fakes(float(sys.argv[2]), float(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--alerts", type=int, default=10)
    ap.add_argument("--loki-delay", type=float, default=2.0)
    ap.add_argument("--model-delay", type=float, default=10.0)
    ap.add_argument("--senders", type=int, default=8, help="concurrent connections")
    ap.add_argument("--no-kill", action="store_true")
    args = ap.parse_args()

    fakes = Fakes(args.loki_delay, args.model_delay)
    tmp = tempfile.mkdtemp(prefix="bench-receiver-")
    env = {
        "ALERT_RECEIVER_TOKEN": TOKEN,
        "ALERT_RECEIVER_DB": f"{tmp}/queue.db",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_CHANNEL": "C0ALERTS",
        "SLACK_API_URL": fakes.urls["slack"],
        "LOKI_URL": fakes.urls["loki"],
        "BEDROCK_MODEL_ID": "anthropic.claude-3-haiku",
        "BEDROCK_ENDPOINT_URL": fakes.urls["bedrock"],
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "bench",
    }
    receiver = Receiver(env)
    load = Load(args.posts, args.alerts, args.senders)
    print(
        f"{args.posts} webhook posts x {args.alerts} alerts, {args.senders} senders; "
        f"Loki answers in {args.loki_delay:g} s, the model in {args.model_delay:g} s;"
        " SQLite, synchronous=FULL"
    )
    roles = settle(receiver)
    watched = {**roles, "fakes": [fakes.proc.pid]}
    cpu0 = {role: cpu_seconds(pids) for role, pids in watched.items()}
    own0 = time.process_time()
    ticks0 = machine_ticks()
    start = time.time()
    load.run(receiver.port)
    ingest = time.time() - start
    cpu = {role: cpu_seconds(pids) - cpu0[role] for role, pids in watched.items()}
    cpu["load generator"] = time.process_time() - own0
    ticks = [b - a for a, b in zip(ticks0, machine_ticks(), strict=True)]
    busy, steal = 1 - (ticks[3] + ticks[4]) / sum(ticks), ticks[7] / sum(ticks)
    acks = dict(load.latency)
    killed_at = None
    restarted = 0.0
    if not args.no_kill:  # mid-run: half of the webhooks are in Slack, half still to deliver
        while fakes.posts() < args.posts // 2 and time.time() - start < 300:
            time.sleep(0.01)
        at_kill = fakes.posts()
        receiver.kill()
        killed_at = time.time()
        receiver = Receiver(env)
        restarted = time.time() - killed_at

    deadline = time.time() + 300
    posted: dict[str, list[dict]] = {}
    while time.time() < deadline:
        posted = {}
        for m in fakes.messages():
            if m.get("thread_ts"):
                continue
            name = re.search(r"Bench\d{4}", m["text"])
            if name:
                posted.setdefault(name.group(0), []).append(m)
        if len(posted) >= args.posts:
            break
        time.sleep(1)
    time.sleep(3)  # let anything doubled show up
    messages = fakes.messages()
    posted = {}
    for m in messages:
        name = re.search(r"Bench\d{4}", m["text"]) if not m.get("thread_ts") else None
        if name:
            posted.setdefault(name.group(0), []).append(m)
    analyses = sum(1 for m in messages if "AI analysis" in json.dumps(m.get("attachments")))
    receiver.stop()
    fakes.close()
    shutil.rmtree(tmp, ignore_errors=True)

    lat = [v * 1000 for v in acks.values()]
    first_post = min(float(m[0]["ts"]) for m in posted.values()) - start if posted else float("nan")
    per_webhook = [
        float(posted[f"Bench{i:04d}"][0]["ts"]) - load.sent_at[i]
        for i in acks
        if f"Bench{i:04d}" in posted
        and (killed_at is None or float(posted[f"Bench{i:04d}"][0]["ts"]) < killed_at)
    ]
    listed_ok = sum(
        1
        for msgs in posted.values()
        if all(f"pod=p{j}" in json.dumps(msgs[0]["attachments"]) for j in range(args.alerts))
    )
    lost = args.posts - len(posted)
    doubled = sum(len(m) - 1 for m in posted.values())
    rate = len(acks) / ingest
    n = args.alerts
    print(
        f"ack latency          p50 {statistics.median(lat):.1f} ms   p99 {pct(lat, 99):.1f} ms"
        f"   max {max(lat):.1f} ms  ({len(lat)} posts, {load.failed_attempts} refused)"
    )
    print(f"throughput           {rate:.0f} posts/s = {rate * n:.0f} alerts/s acknowledged")
    per_post = ", ".join(
        f"{role} {seconds / len(acks) * 1000:.2f}" for role, seconds in cpu.items() if seconds
    )
    print(f"CPU during the storm  ms per post: {per_post} ({ingest:.1f} s)")
    print(
        f"  the machine: {os.cpu_count()} cores {busy:.0%} busy,"
        f" {steal:.0%} stolen by the hypervisor (others' load: noise)"
    )
    print(f"first Slack post     {first_post:.2f} s after the first webhook")
    if per_webhook:
        print(
            f"webhook -> its post  p50 {statistics.median(per_webhook):.2f} s"
            f"   p99 {pct(per_webhook, 99):.2f} s  ({len(per_webhook)} posted before the kill)"
        )
    if killed_at is not None:
        print(
            f"kill -9 of the receiver's process group with {at_kill} of {args.posts} messages"
            f" posted; restarted in {restarted:.1f} s"
        )
    print(
        f"after kill -9 + restart: alerts delivered {listed_ok * n} / {args.posts * n},"
        f" lost {lost * n}, doubled {doubled * n}"
    )
    print(
        f"  messages {len(posted)} of {args.posts}; with an AI analysis when the bench stopped:"
        f" {analyses} (the model takes {args.model_delay:g} s, BEDROCK_CONCURRENCY at a time)"
    )
    return 0 if lost == 0 and doubled == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
