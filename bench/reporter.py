"""Benchmark: the monthly report of a 20-node, 500-pod cluster, against headless Chromium.

Backfills 30 days of the synthetic cluster (tests/fixtures/cluster.py) into a real Prometheus
(cached between runs), then, each in its own process:

1. the report: collect from Prometheus, write the analysis (rules), render the HTML, xhtml2pdf
   to PDF, the CSVs: the `reporter` command's steps, plus saving the HTML for step 2. Wall time,
   peak RSS (the child's `ru_maxrss` from wait4) and the number of Prometheus queries (counted
   by Prometheus itself: `prometheus_http_requests_total` of the query handlers, read from its
   /metrics);
2. the same HTML printed by Debian's `chromium --headless --print-to-pdf`: wall time and peak
   RSS of its whole process tree (summed from /proc every 20 ms; Chromium runs several processes).

Two cases: "recorded", the pack's recorded series over the month (raw series for the last hour
only), and "raw", no recorded series at all (a Prometheus that never ran the rules: the report
computes every figure from the raw series with the rules' own expressions). The raw month is
written every 5 minutes (a real scrape is every 30 s: Prometheus then reads more samples per
`rate()` window, so this understates the raw case's query time), kube-state-metrics' pod series
limited to those the rules read.

Goals: under 20 s, under 250 MB, at most 0.3x Chromium's peak memory, at most 40 queries, in
both cases.

    python bench/reporter.py [--nodes 20] [--pods 500] [--days 30] [--cases recorded,raw]
                             [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEOUL = ZoneInfo("Asia/Seoul")
END = datetime(2026, 12, 1, 0, 0, tzinfo=SEOUL)  # November 2026: a 30-day month


def child(prometheus_url: str, out: Path) -> None:
    """Step 1, in its own process so its peak RSS is the report's alone."""
    from dataclasses import replace

    from integrations.prometheus import PrometheusClient
    from reporter import Clients, collect
    from reporter.csvs import write_csvs
    from reporter.narrative import write_narrative
    from reporter.pdf import html_to_pdf
    from reporter.period import period_for
    from reporter.render import render_html
    from reporter.tables import build_tables
    from runtime.redact import Redactor

    started = time.monotonic()
    prom = PrometheusClient(prometheus_url, timeout=120)
    data = collect(period_for("monthly", END, SEOUL), Clients(prometheus=prom))
    prom.close()
    collected = time.monotonic()
    data = replace(data, narrative=write_narrative(data, "ko", None, Redactor()))
    html = render_html(data, "ko")
    pdf = html_to_pdf(html)
    (out / "report.pdf").write_bytes(pdf)
    (out / "report.html").write_text(html, encoding="utf-8")
    csvs = write_csvs(out, "report", build_tables(data, "ko"))
    print(
        json.dumps(
            {
                "collect_s": collected - started,
                "render_s": time.monotonic() - collected,
                "pdf_bytes": len(pdf),
                "csv_files": len(csvs),
                "missing": dict(data.missing),
                "raw": dict(data.raw_sections),
                "nodes": len(data.nodes),
            }
        )
    )


def prometheus_queries(url: str) -> float:
    """Queries Prometheus has answered, from its own /metrics (it does not scrape itself)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as r:
        text = r.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("prometheus_http_requests_total{")
        and ('handler="/api/v1/query"' in line or 'handler="/api/v1/query_range"' in line)
    )


def tree_rss(pid: int) -> int:
    """Resident bytes of pid and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry)
        children.setdefault(int(fields[1]), []).append(p)
        rss[p] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack += children.get(p, [])
    return total


def run_measured(cmd: list[str], env: dict[str, str] | None = None, tree: bool = False):
    """(wall seconds, peak RSS bytes, stdout): ru_maxrss of the child, or its tree's sum."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    if tree:
        sampler.start()
    out, err = proc.communicate()
    done.set()
    wall = time.monotonic() - started
    if tree:
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, peak, out.decode()


def run_child(cmd: list[str]) -> tuple[float, int, str]:
    """Wall time and ru_maxrss (exact) of a single Python process."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks, err_chunks = [], []
    t_out = threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()))
    t_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    t_out.start()
    t_err.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    t_out.join()
    t_err.join()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"report failed: {err_chunks[0].decode()[-3000:]}")
    return wall, usage.ru_maxrss * 1024, out_chunks[0].decode()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, default=20)
    p.add_argument("--pods", type=int, default=500)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--cases", default="recorded,raw", help="recorded, raw or both (%(default)s)")
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "reporter-bench")
    p.add_argument("--child", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0

    from tests.fixtures.cluster import ClusterModel, backfill

    prometheus = shutil.which("prometheus") or "/usr/bin/prometheus"
    chromium = shutil.which("chromium")
    results = {}
    for case in args.cases.split(","):
        raw = case == "raw"
        model = ClusterModel(
            end=int(END.timestamp()),
            nodes=args.nodes,
            pods=args.pods,
            days=args.days,
            history_step=300,
            recorded=not raw,
            lean=raw,
            **({"recent_minutes": args.days * 1440, "recent_step": 300} if raw else {}),
        )
        tsdb = args.cache / f"tsdb-{args.nodes}n-{args.pods}p-{args.days}d{'-raw' if raw else ''}"
        if not (tsdb / ".done").exists():
            shutil.rmtree(tsdb, ignore_errors=True)
            started = time.monotonic()
            samples = backfill(model, tsdb)
            (tsdb / ".done").write_text(str(samples))
            took = time.monotonic() - started
            print(f"backfilled {samples:,} samples in {took:.0f} s into {tsdb}")
        results[case] = report(prometheus, tsdb, args, case)
    out = results[next(iter(results))][0]
    if not chromium:
        print("chromium: not installed (apt-get install chromium): no comparison")
        return 0
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    c_wall, c_rss, _ = run_measured(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out / 'chromium.pdf'}",
            (out / "report.html").as_uri(),
        ],
        tree=True,
    )
    shutil.rmtree(profile, ignore_errors=True)
    print(
        f"chromium   same HTML --print-to-pdf: wall {c_wall:.2f} s, peak RSS "
        f"{c_rss / 1e6:.0f} MB (process tree)"
    )
    for case, (_, wall, rss, queries) in results.items():
        print(
            f"goals      {case}: wall {wall:.1f} s < 20 s: {'ok' if wall < 20 else 'MISSED'}; "
            f"RSS {rss / 1e6:.0f} MB < 250 MB: {'ok' if rss < 250e6 else 'MISSED'}; "
            f"RSS ratio {rss / c_rss:.2f} <= 0.3: "
            f"{'ok' if rss <= 0.3 * c_rss else 'MISSED'}; "
            f"queries {queries:.0f} <= 40: {'ok' if queries <= 40 else 'MISSED'}"
        )
    print(f"files in {out}")
    return 0


def report(prometheus: str, tsdb: Path, args: argparse.Namespace, case: str):
    """(output folder, wall seconds, peak RSS bytes, queries) of one report over `tsdb`."""
    from tests.fixtures.prometheus import PrometheusProcess
    from tests.helpers import free_port

    server = PrometheusProcess(prometheus, tsdb, free_port())
    out = Path(tempfile.mkdtemp(prefix=f"reporter-bench-{case}-"))
    try:
        before = prometheus_queries(server.url)
        wall, rss, stdout = run_child([sys.executable, __file__, "--child", server.url, str(out)])
        queries = prometheus_queries(server.url) - before
    finally:
        server.stop()
    detail = json.loads(stdout.strip().splitlines()[-1])
    print(
        f"reporter   {case}: monthly {args.days} d, {args.nodes} nodes, {args.pods} pods: "
        f"wall {wall:.2f} s (collect {detail['collect_s']:.2f} s, render+PDF "
        f"{detail['render_s']:.2f} s), peak RSS {rss / 1e6:.0f} MB, "
        f"{queries:.0f} Prometheus queries, PDF {detail['pdf_bytes'] / 1e3:.0f} kB, "
        f"{detail['csv_files']} CSVs, raw sections: {detail['raw'] or 'none'}, "
        f"missing sections: {detail['missing'] or 'none'}"
    )
    return out, wall, rss, queries


if __name__ == "__main__":
    sys.exit(main())
