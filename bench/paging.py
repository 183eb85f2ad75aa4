"""Benchmark: the time to page, a TCP port down for good -> Slack, with the shipped settings.

Each run starts the whole loop afresh (tests/e2e/stack.py: the real exporter, Debian's
Prometheus, Alertmanager and HAProxy, the real `alert-receiver`, FakeSlack and FakeLoki; the
PodMonitor's 2 s scrape, the shipped rules and k8s/alertmanager/alertmanager.yml; the exporter
config of the shipped shape, one of its TCP ports breakable), so the scrapes' and the
evaluations' phases are new each time, waits a few scrapes and a random part of one more (the
outage's phase is chance), closes the port for good and times FakeSlack's chat.postMessage for
it, stage by stage.

The anchor is the old shell-script DaemonSet, run as it worked: a bash loop over the same ports,
each checked with a 2 s timeout, a curl to an incoming webhook for each port that fails, then
`sleep 2`. It watches the same outages, so both are timed on the same events (its webhook is a
local recorder). It pages on the first failed check: a one-check blip pages it too.

Prints every run, median and max of each stage, the ratio to the anchor, whether the goal
(median <= 10 s, max <= 12 s) is met (exit 1 if not), and the cost per node (one exporter):
probes/s, samples/s ingested, exporter CPU and RSS, from the same Prometheus over a healthy
minute before the last run's outage.

`--load N` runs N busy processes beside it (a node short of CPU; this machine has 2 cores).

    python bench/paging.py [--runs 10] [--load 0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.stack import AlertLoop, wait_for  # noqa: E402 - after the path is set
from tests.fakes.http import FakeServer, Reply, Request  # noqa: E402

GOAL_MEDIAN, GOAL_MAX = 10.0, 12.0
ANCHOR = "anchor: the old DaemonSet's loop, to its webhook post"
OLD_LOOP = r"""
while true; do
  for p in {ports}; do
    if ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
      curl -s -m 5 -X POST -H 'Content-Type: application/json' \
        -d "{{\"text\": \"port $p is down\"}}" {url} >/dev/null
    fi
  done
  sleep 2
done
"""


class Webhook(FakeServer):
    """The anchor's Slack incoming webhook: when each text arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        super().__init__()

    def handle(self, req: Request) -> Reply:
        with self.lock:
            self.received.append((time.time(), json.loads(req.body)["text"]))
        return 200, {"Content-Type": "text/plain"}, b"ok"

    def first(self, port: int, after: float) -> float | None:
        with self.lock:
            times = [t for t, text in self.received if f"port {port} " in text and t >= after]
        return min(times) if times else None


def one_run(
    name: str, webhook: Webhook, tmp: Path, cost_window: int
) -> tuple[dict[str, float], dict]:
    """A fresh loop (so the phases of scrapes and evaluations against each other are new), one
    port closed for good: its stages and the anchor's time; with `cost_window`, the cost per
    node over that many seconds of the healthy loop before."""
    loop = AlertLoop(tmp, [name], {"ALERT_RECEIVER_LOG_LEVEL": "warning"})
    anchor = None
    try:
        loop.start()
        if not loop.wait_healthy():
            raise SystemExit(f"the loop never became healthy; logs in {tmp}")
        port = loop.ports[name].db_port
        script = OLD_LOOP.format(ports=port, url=f"{webhook.url}/services/T0/B0/X")
        anchor = subprocess.Popen(["bash", "-c", script], start_new_session=True)
        # a few scrapes first, then an outage at a random phase against them
        time.sleep(loop.interval * 3 + random.uniform(0, loop.interval))  # noqa: S311 - no secret
        cost = {}
        if cost_window:
            time.sleep(cost_window + 1)
            cost = loop.cost(cost_window)
        page = loop.page(name, 45)
        if page is None:
            raise SystemExit(f"{name}: no page within 45 s; logs in {tmp}")
        old = wait_for(lambda: webhook.first(port, page.down_at), 10, 0.05)
        return {**page.stages, ANCHOR: (old - page.down_at) if old else float("nan")}, cost
    finally:
        if anchor is not None:
            os.killpg(anchor.pid, 15)
            anchor.wait()
        loop.close()


def run(args: argparse.Namespace) -> int:
    webhook = Webhook()
    rows: list[dict[str, float]] = []
    cost: dict[str, float] = {}
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    try:
        for i in range(args.runs):
            last = i == args.runs - 1
            with tempfile.TemporaryDirectory(prefix="bench-paging-") as tmp:
                row, measured = one_run(f"db-{i}", webhook, Path(tmp), 60 if last else 0)
            cost = measured or cost
            if not rows:
                print(f"{'':8}" + "".join(f"{_short(k):>12}" for k in row))
            rows.append(row)
            print(f"run {i + 1:<4}" + "".join(f"{v:>12.2f}" for v in row.values()), flush=True)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
        webhook.close()
    if args.load:
        print(f"with {args.load} busy process(es) beside the loop")
    return report(rows, cost)


def _short(stage: str) -> str:
    return {
        "until probed": "probed",
        "second failed scrape": "2nd scrape",
        "arrival and evaluation": "window+eval",
        "Prometheus -> Alertmanager -> receiver -> Slack": "AM+receiver",
        "time to page": "PAGE",
        ANCHOR: "old loop",
    }[stage]


def report(rows: list[dict[str, float]], cost: dict[str, float]) -> int:
    keys = list(rows[0])
    print("\ncolumns (seconds): " + " | ".join(f"{_short(k)} = {k}" for k in keys))
    for label, pick in (("median", statistics.median), ("max", max)):
        print(f"{label:8}" + "".join(f"{pick(r[k] for r in rows):>12.2f}" for k in keys))
    pages = [r["time to page"] for r in rows]
    olds = [r[ANCHOR] for r in rows if r[ANCHOR] >= 0]
    median, worst = statistics.median(pages), max(pages)
    if olds:
        print(f"ratio pack / old DaemonSet, median: {median / statistics.median(olds):.1f}")
    met = median <= GOAL_MEDIAN and worst <= GOAL_MAX
    print(
        f"goal median <= {GOAL_MEDIAN:g} s, max <= {GOAL_MAX:g} s: "
        f"{'met' if met else 'NOT met'} (median {median:.2f} s, max {worst:.2f} s)"
    )
    print(
        "cost per node (one exporter, the shipped config's shape), the last run's healthy minute:"
    )
    for what, value in cost.items():
        print(f"  {what:32} {value:10.2f}")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f}")
    return 0 if met else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--load", type=int, default=0, help="busy processes beside the loop")
    return run(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
