"""The local demo: the whole pack on loopback, started and stopped with one command.

Starts a small fake workload, HAProxy in front of it, the healthcheck exporter probing them (one
target is down on purpose) and Prometheus scraping the exporter with the generated rules. Every
daemon listens on 127.0.0.1 only; configs and logs go to demo-out/. Ctrl-C stops everything.

    python demo/run.py               # run until Ctrl-C
    python demo/run.py --check       # start, verify through Prometheus' API, stop (used by tests)
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _which(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not path:
        sys.exit(f"demo: {name} not found; run scripts/install.sh first")
    return path


class Demo:
    def __init__(self, out: Path, base: int) -> None:
        self.out = out
        self.ports = {
            "prometheus": base,
            "exporter": base + 1,
            "web": base + 2,
            "db": base + 3,
            "haproxy": base + 4,
            "haproxy_stats": base + 5,
            "nothing": base + 6,  # the target that is down on purpose
        }
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def write_configs(self) -> None:
        p = self.ports
        (self.out / "logs").mkdir(parents=True, exist_ok=True)
        (self.out / "exporter.yml").write_text(
            f"""# Demo targets, all on loopback. "payments-db" is down on purpose.
timeout: 2s
tcp:
  - name: orders-db
    address: 127.0.0.1:{p["db"]}
  - name: payments-db
    address: 127.0.0.1:{p["nothing"]}
http:
  - name: web
    url: {self.url("web")}/healthz
  - name: web-via-haproxy
    url: {self.url("haproxy")}/healthz
haproxy:
  - name: edge
    url: {self.url("haproxy_stats")}/stats;csv
disk:
  - name: demo-out
    path: {self.out.resolve()}
"""
        )
        (self.out / "haproxy.cfg").write_text(
            f"""global
    maxconn 100
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend stats
    bind 127.0.0.1:{p["haproxy_stats"]}
    stats enable
    stats uri /stats
frontend edge
    bind 127.0.0.1:{p["haproxy"]}
    default_backend web
backend web
    option httpchk GET /healthz
    server web1 127.0.0.1:{p["web"]} check inter 2s
"""
        )
        rules = sorted(str(f) for f in (ROOT / "rules" / "generated").glob("*.rules.yaml"))
        (self.out / "prometheus.yml").write_text(
            json.dumps(
                {
                    "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
                    "rule_files": rules,
                    "scrape_configs": [
                        {
                            "job_name": "healthcheck-exporter",
                            "scrape_interval": "5s",
                            "scrape_timeout": "4s",
                            "static_configs": [
                                {
                                    "targets": [f"127.0.0.1:{p['exporter']}"],
                                    "labels": {"node": socket.gethostname()},
                                }
                            ],
                        }
                    ],
                },
                indent=2,
            )
        )

    def start(self, name: str, argv: list[str]) -> None:
        log = open(self.out / "logs" / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        log.close()
        self.procs.append((name, proc))

    def start_all(self) -> None:
        p = self.ports
        py = sys.executable
        self.start(
            "workload",
            [py, "demo/workload.py", "--web-port", str(p["web"]), "--db-port", str(p["db"])],
        )
        self.start("haproxy", [_which("haproxy"), "-db", "-f", str(self.out / "haproxy.cfg")])
        self.start(
            "exporter",
            [
                *(py, "-m", "exporter", "--config", str(self.out / "exporter.yml")),
                *("--listen", f"127.0.0.1:{p['exporter']}"),
            ],
        )
        self.start(
            "prometheus",
            [
                _which("prometheus"),
                f"--config.file={self.out / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.out / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{p['prometheus']}",
                "--web.enable-lifecycle",
            ],
        )

    def wait_ready(self, timeout: float = 30) -> None:
        for name, url in [
            ("exporter", f"{self.url('exporter')}/healthz"),
            ("prometheus", f"{self.url('prometheus')}/-/ready"),
            ("workload", f"{self.url('web')}/healthz"),
        ]:
            deadline = time.monotonic() + timeout
            while True:
                self.check_alive()
                try:
                    urllib.request.urlopen(url, timeout=1).close()
                    break
                except OSError as e:
                    if time.monotonic() > deadline:
                        msg = f"demo: {name} did not come up; see {self.out}/logs/"
                        raise SystemExit(msg) from e
                    time.sleep(0.2)

    def check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise SystemExit(
                    f"demo: {name} exited with {proc.returncode}; see {self.out}/logs/{name}.log"
                )

    def query(self, expr: str) -> dict[str, float]:
        q = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url('prometheus')}/api/v1/query?{q}", timeout=5) as r:
            result = json.load(r)["data"]["result"]
        return {x["metric"].get("target", ""): float(x["value"][1]) for x in result}

    def stop_all(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def banner(self) -> str:
        return f"""
The demo is running, on 127.0.0.1 only:
  Prometheus          {self.url("prometheus")}/graph?g0.expr=healthcheck_probe_success
  exporter metrics    {self.url("exporter")}/metrics
  exporter probe log  {self.url("exporter")}/metrics?debug=true   (why a probe fails)
  HAProxy stats       {self.url("haproxy_stats")}/stats
  workload            {self.url("web")}/

"payments-db" is down on purpose. Break something else and watch it in Prometheus:
  curl -X POST {self.url("web")}/break/db     (then /fix/db)
  curl -X POST {self.url("web")}/break/web    (then /fix/web)

Configs and logs: {self.out}/   Stop with Ctrl-C.
"""


def check(demo: Demo, timeout: float = 60) -> int:
    """Wait until Prometheus has every probe result; the down-on-purpose one must be 0."""
    want = {"orders-db", "payments-db", "web", "web-via-haproxy", "edge", "demo-out"}
    deadline = time.monotonic() + timeout
    found: dict[str, float] = {}
    while time.monotonic() < deadline:
        demo.check_alive()
        found = demo.query("healthcheck_probe_success")
        if set(found) == want and found["web-via-haproxy"] == 1:
            break
        time.sleep(1)
    print(json.dumps(found, sort_keys=True))
    expected = {t: (0.0 if t == "payments-db" else 1.0) for t in want}
    return 0 if found == expected else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "demo-out")
    p.add_argument("--port-base", type=int, default=19090, help="first of 7 loopback ports")
    p.add_argument("--check", action="store_true", help="start, verify, stop; exit 0 if healthy")
    args = p.parse_args()
    demo = Demo(args.out.resolve(), args.port_base)
    demo.write_configs()
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    demo.start_all()
    try:
        demo.wait_ready()
        if args.check:
            return check(demo)
        print(demo.banner(), flush=True)
        while not stopping:
            demo.check_alive()
            time.sleep(0.5)
        print("\nstopping the demo ...")
        return 0
    finally:
        demo.stop_all()


if __name__ == "__main__":
    sys.exit(main())
