"""Benchmark: how long until someone hears that Slack refuses alert-receiver's token.

The stack of tests/e2e/test_pack_watch.py (alert-receiver with a token Slack answers
`invalid_auth` to, a real Prometheus with the generated rules scraping it, a real Alertmanager
with the shipped config sending `AlertReceiver*` to its fallback: a second Slack incoming webhook
and e-mail), with the intervals a cluster has: the receiver's ServiceMonitor scrapes every 30 s
and kube-prometheus evaluates rules every 30 s (`--scrape` and `--eval` change them). One webhook
is sent at t = 0 and one every 5 s after, as Alertmanager keeps delivering.

Printed, from the first webhook: Slack's first refusal, AlertReceiverSlackRejected pending and
firing in Prometheus, the fallback's Slack post and its e-mail. Expected: the rule's `for` (1m)
plus up to a scrape interval, two evaluation intervals and the route's `group_wait` (10 s).

    python bench/pack_watch.py [--scrape 30s] [--eval 30s] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.alert_receiver.payloads import alert, webhook
from tests.e2e.pack_stack import pack_stack
from tests.e2e.stack import query
from tests.e2e.test_pack_watch import send

ALERT = "AlertReceiverSlackRejected"


def run_once(scrape: str, evaluation: str, timeout: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, pack_stack(Path(tmp), scrape, evaluation) as s:
        marks: dict[str, float] = {}
        t0 = time.monotonic()
        sent = 0
        while time.monotonic() - t0 < timeout and len(marks) < 5:
            now = time.monotonic() - t0
            if sent <= now / 5:
                send(s.receiver.url, webhook(alert(f"DiskFull{sent}", pod=f"db-{sent}")))
                sent += 1
            if "refused" not in marks and s.slack.count("chat.postMessage", ok=False):
                marks["refused"] = now
            for state in ("pending", "firing"):
                if state not in marks and query(
                    s.prometheus, f'ALERTS{{alertname="{ALERT}", alertstate="{state}"}}'
                ):
                    marks[state] = now
            with s.fallback.lock:
                posts = list(s.fallback.webhook_posts)
            if "slack" not in marks and any(ALERT in json.dumps(p) for p in posts):
                marks["slack"] = now
            if "email" not in marks and any(ALERT in m.message["Subject"] for m in s.smtp.mails):
                marks["email"] = now
            time.sleep(0.25)
        return marks


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scrape", default="30s", help="the receiver's scrape interval")
    p.add_argument("--eval", default="30s", help="Prometheus' rule evaluation interval")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=400.0)
    args = p.parse_args()
    print(f"scrape {args.scrape}, evaluation {args.eval}; seconds after the first webhook")
    print(f"{'run':>3}  {'refused':>8}  {'pending':>8}  {'firing':>8}  {'slack':>8}  {'email':>8}")
    ok = True
    for i in range(args.runs):
        m = run_once(args.scrape, args.eval, args.timeout)
        cells = [
            f"{m[k]:8.1f}" if k in m else f"{'-':>8}"
            for k in ("refused", "pending", "firing", "slack", "email")
        ]
        print(f"{i + 1:>3}  " + "  ".join(cells), flush=True)
        ok = ok and "slack" in m and "email" in m
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
