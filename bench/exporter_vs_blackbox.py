"""Benchmark: our exporter against Debian's prometheus-blackbox-exporter on the same TCP targets.

Both probe the same loopback listeners. Ours gets one scrape of /metrics per round (all targets);
blackbox gets one /probe request per target, as Prometheus would send them, many at once. For each
it prints the wall time of a full round, the exporter process's CPU seconds per probe (from
/proc/PID/stat, so the load generator's own CPU is not counted) and its peak RSS (VmHWM), then the
ratios. A second scenario blackholes some targets (listeners with a full accept queue) to show a
round still ends one timeout later.

    python bench/exporter_vs_blackbox.py [--targets 2000] [--blackholed 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- the targets: a separate process, so its CPU is nobody's ----------------------------------


def serve_targets(live: int, blackholed: int) -> None:
    raise_fd_limit()
    sel = selectors.DefaultSelector()
    ports = []
    for _ in range(live):
        s = socket.create_server(("127.0.0.1", 0), backlog=512)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        ports.append(s.getsockname()[1])
    dark, keep = [], []
    for _ in range(blackholed):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(0)
        for _ in range(2):  # fill the accept queue: later SYNs are dropped
            c = socket.socket()
            c.setblocking(False)
            c.connect_ex(s.getsockname())
            keep.append(c)
        keep.append(s)
        dark.append(s.getsockname()[1])
    print(json.dumps({"live": ports, "dark": dark}), flush=True)
    while True:
        for key, _ in sel.select():
            try:
                conn, _ = key.fileobj.accept()
                conn.close()
            except BlockingIOError:
                pass


class Targets:
    def __init__(self, live: int, blackholed: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-targets", str(live), str(blackholed)],
            stdout=subprocess.PIPE,
            text=True,
        )
        ports = json.loads(self.proc.stdout.readline())
        self.addresses = [f"127.0.0.1:{p}" for p in ports["live"] + ports["dark"]]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


# --- process accounting --------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the two exporters ---------------------------------------------------------------------


def run_ours(addresses: list[str], timeout: float, rounds: int, workdir: Path) -> dict:
    cfg = workdir / "exporter.yml"
    lines = [f"timeout: {timeout}s", "tcp:"]
    lines += [f"  - name: t{i}\n    address: {a}" for i, a in enumerate(addresses)]
    cfg.write_text("\n".join(lines) + "\n")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "exporter", "--config", str(cfg), "--listen", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"X-Prometheus-Scrape-Timeout-Seconds": "10"}

        def scrape() -> bytes:
            conn.request("GET", "/metrics", headers=headers)
            return conn.getresponse().read()

        scrape()  # warm-up: imports, first allocations
        walls, cpus = [], []
        for _ in range(rounds):
            c0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            body = scrape()
            walls.append(time.perf_counter() - t0)
            cpus.append(cpu_seconds(proc.pid) - c0)
        ok = sum(
            1
            for line in body.splitlines()
            if line.startswith(b"healthcheck_probe_success{") and line.endswith(b" 1.0")
        )
        return {
            "wall": sorted(walls)[len(walls) // 2],
            "cpu_per_probe": sum(cpus) / rounds / len(addresses),
            "rss": peak_rss_mb(proc.pid),
            "samples": body.count(b"healthcheck_probe_success{"),
            "ok": ok,
        }
    finally:
        proc.terminate()
        proc.wait()


def run_blackbox(
    binary: str, addresses: list[str], timeout: float, rounds: int, workdir: Path, workers: int
) -> dict:
    cfg = workdir / "blackbox.yml"
    cfg.write_text(f"modules:\n  tcp_connect:\n    prober: tcp\n    timeout: {timeout}s\n")
    port = free_port()
    proc = subprocess.Popen(
        [binary, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = threading.local()
    headers = {"X-Prometheus-Scrape-Timeout-Seconds": "10"}

    def probe(address: str) -> bool:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        q = urllib.parse.urlencode({"module": "tcp_connect", "target": address})
        local.conn.request("GET", f"/probe?{q}", headers=headers)
        return b"probe_success 1" in local.conn.getresponse().read()

    try:
        wait_port(port)
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            list(pool.map(probe, addresses[: min(200, len(addresses))]))  # warm-up
            walls, cpus = [], []
            for _ in range(rounds):
                c0, t0 = cpu_seconds(proc.pid), time.perf_counter()
                results = list(pool.map(probe, addresses))
                walls.append(time.perf_counter() - t0)
                cpus.append(cpu_seconds(proc.pid) - c0)
        return {
            "wall": sorted(walls)[len(walls) // 2],
            "cpu_per_probe": sum(cpus) / rounds / len(addresses),
            "rss": peak_rss_mb(proc.pid),
            "samples": len(results),
            "ok": sum(results),
        }
    finally:
        proc.terminate()
        proc.wait()


def report(title: str, ours: dict, bb: dict) -> None:
    print(f"\n{title}")
    print(f"{'':28}{'ours':>12}{'blackbox':>12}{'ours/bb':>10}")
    rows = [
        ("round wall time (s)", "wall", "{:.3f}"),
        ("CPU per probe (ms)", "cpu_per_probe", "{:.4f}"),
        ("peak RSS (MB)", "rss", "{:.1f}"),
    ]
    for label, key, fmt in rows:
        a, b = ours[key], bb[key]
        if key == "cpu_per_probe":
            a, b = a * 1000, b * 1000
        ratio = a / b if b else float("nan")
        print(f"{label:28}{fmt.format(a):>12}{fmt.format(b):>12}{ratio:>10.2f}")
    print(f"{'probes succeeded':28}{ours['ok']:>12}{bb['ok']:>12}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--targets", type=int, default=2000)
    p.add_argument("--blackholed", type=int, default=200)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--timeout", type=float, default=1.0, help="probe timeout, both exporters")
    p.add_argument("--workers", type=int, default=64, help="concurrent /probe requests")
    p.add_argument("--serve-targets", nargs=2, type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_targets:
        serve_targets(*args.serve_targets)
        return 0
    raise_fd_limit()
    binary = shutil.which("prometheus-blackbox-exporter")
    if not binary:
        print(
            "prometheus-blackbox-exporter not found: apt-get install prometheus-blackbox-exporter"
        )
        return 1
    print(f"{args.targets} loopback TCP targets, {args.rounds} rounds, timeout {args.timeout}s, ")
    print(f"blackbox driven by {args.workers} concurrent /probe clients; {os.cpu_count()} cores")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        targets = Targets(args.targets, 0)
        try:
            ours = run_ours(targets.addresses, args.timeout, args.rounds, work)
            bb = run_blackbox(
                binary, targets.addresses, args.timeout, args.rounds, work, args.workers
            )
        finally:
            targets.close()
        report(f"All {args.targets} targets live", ours, bb)
        if ours["cpu_per_probe"] > bb["cpu_per_probe"] / 2:
            failures.append("CPU per probe above half of blackbox_exporter's")
        if ours["wall"] >= 1.0:
            failures.append("a round of live targets took 1 s or more")
        if ours["rss"] >= 40:
            failures.append("peak RSS of 40 MB or more")

        live = args.targets - args.blackholed
        targets = Targets(live, args.blackholed)
        try:
            ours = run_ours(targets.addresses, args.timeout, args.rounds, work)
            bb = run_blackbox(
                binary, targets.addresses, args.timeout, 1, work, max(args.workers, 256)
            )
        finally:
            targets.close()
        report(f"{live} live + {args.blackholed} blackholed (timeout {args.timeout}s)", ours, bb)
        if ours["wall"] > args.timeout + 0.3:
            failures.append(f"blackholed round took over timeout + 0.3 s ({ours['wall']:.3f}s)")
        if ours["ok"] != live:
            failures.append(f"{ours['ok']} probes succeeded, expected {live}")
    print("\ngoals:", "all met" if not failures else "MISSED: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
