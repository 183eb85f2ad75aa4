"""The local demo: the whole pack on loopback, started and stopped with one command.

Starts a small fake workload, HAProxy in front of it, the healthcheck exporter probing them (one
target is down on purpose), Debian's node_exporter for this machine, Prometheus scraping them and
the receiver with the generated rules, Alertmanager with the shipped
k8s/alertmanager/alertmanager.yml routing to alert-receiver, which writes to a local Slack sink
(demo-out/slack/) unless SLACK_BOT_TOKEN and SLACK_CHANNEL are set; then a daily report from the
local Prometheus (demo-out/reports/), this machine named in it by its host name. Every daemon
listens on 127.0.0.1 only; configs and logs go to demo-out/. Ctrl-C stops everything.

    python demo/run.py               # run until Ctrl-C
    python demo/run.py --check       # start, verify the alert loop and the report, stop (tests)
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from configs import Fallback, alertmanager_config, haproxy_config, prometheus_config

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
            "alertmanager": base + 7,
            "receiver": base + 8,
            "node_exporter": base + 9,
            "smtp": base + 10,  # the fallback receiver's mail server (demo/smtp_sink.py)
        }
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.reporter: subprocess.Popen | None = None
        self.slack_sink = out / "slack" / "messages.jsonl"
        self.real_slack = bool(
            os.environ.get("SLACK_BOT_TOKEN") and os.environ.get("SLACK_CHANNEL")
        )

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
            haproxy_config(p["haproxy_stats"], p["web"], "/healthz", edge=p["haproxy"])
        )
        (self.out / "prometheus.yml").write_text(
            prometheus_config(
                f"127.0.0.1:{p['exporter']}",
                f"127.0.0.1:{p['receiver']}",
                f"127.0.0.1:{p['alertmanager']}",
                node=socket.gethostname(),
                node_exporter=f"127.0.0.1:{p['node_exporter']}",
            )
        )
        token_file = self.out / "receiver-token"
        if not token_file.exists():
            token_file.write_text(secrets.token_hex(32) + "\n")
        token_file.chmod(0o600)
        fallback_url = self.out / "fallback-webhook-url"
        fallback_url.write_text(f"{self.url('web')}/fallback/slack\n")
        smtp_password = self.out / "fallback-smtp-password"
        smtp_password.write_text("demo\n")
        for secret in (fallback_url, smtp_password):
            secret.chmod(0o600)
        (self.out / "alertmanager.yml").write_text(
            alertmanager_config(
                f"{self.url('receiver')}/api/v1/alerts",
                token_file,
                f"{self.url('web')}/heartbeat",
                Fallback(fallback_url, f"127.0.0.1:{p['smtp']}", smtp_password),
            )
        )
        for d in ("slack", "reports", "receiver"):
            (self.out / d).mkdir(exist_ok=True)

    def popen(self, name: str, argv: list[str], env: dict[str, str] | None = None):
        log = open(self.out / "logs" / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **(env or {})}
        )
        log.close()
        return proc

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.procs.append((name, self.popen(name, argv, env)))

    def receiver_env(self) -> dict[str, str]:
        env = {
            "ALERT_RECEIVER_TOKEN_FILE": str(self.out / "receiver-token"),
            "ALERT_RECEIVER_DB": str(self.out / "receiver" / "alert_receiver.db"),
            "PROMETHEUS_URL": self.url("prometheus"),
            "ALERTMANAGER_URL": self.url("alertmanager"),
        }
        if not self.real_slack:  # the local sink, even if a webhook URL is set
            env |= {"SLACK_SINK": str(self.slack_sink), "SLACK_WEBHOOK_URL": ""}
        return env

    def reporter_command(self) -> list[str]:
        return [
            *(sys.executable, "-m", "reporter", "daily", "--end", "now"),
            *("--out", str(self.out / "reports"), "--no-send"),
        ]

    def start_reporter(self, timeout: float = 45) -> None:
        """The daily report, to date, from the local Prometheus; in the background, once the
        node-usage rules have recorded this machine's CPU (two node_exporter scrapes)."""
        deadline = time.monotonic() + timeout
        while not self.query("instance:node_cpu_utilisation:rate5m"):
            if time.monotonic() > deadline:
                print("demo: no node usage recorded yet; the report will say so", flush=True)
                break
            self.check_alive()
            time.sleep(1)
        env = {"PROMETHEUS_URL": self.url("prometheus"), "REPORT_KUBERNETES": "off"}
        self.reporter = self.popen("reporter", self.reporter_command(), env)

    def start_all(self) -> None:
        p = self.ports
        py = sys.executable
        self.start(
            "workload",
            [
                *(
                    py,
                    "-m",
                    "demo.workload",
                    "--web-port",
                    str(p["web"]),
                    "--db-port",
                    str(p["db"]),
                ),
                *("--fallback-log", str(self.out / "slack" / "fallback.jsonl")),
                *("--smtp-port", str(p["smtp"])),
            ],
        )
        self.start("haproxy", [_which("haproxy"), "-db", "-f", str(self.out / "haproxy.cfg")])
        self.start(
            "node-exporter",
            [
                _which("prometheus-node-exporter"),
                f"--web.listen-address=127.0.0.1:{p['node_exporter']}",
                # what the rules and the report read, nothing else: fast to scrape
                *("--collector.disable-defaults", "--collector.cpu", "--collector.meminfo"),
                *("--collector.filesystem", "--collector.uname"),
            ],
        )
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
                f"--web.external-url={self.url('prometheus')}",  # links in Slack
                "--web.enable-lifecycle",
            ],
        )
        self.start(
            "alertmanager",
            [
                _which("prometheus-alertmanager"),
                f"--config.file={self.out / 'alertmanager.yml'}",
                f"--storage.path={self.out / 'alertmanager-data'}",
                f"--web.listen-address=127.0.0.1:{p['alertmanager']}",
                f"--web.external-url={self.url('alertmanager')}",
                "--cluster.listen-address=",  # no gossip port on 0.0.0.0:9094
            ],
        )
        self.start(
            "alert-receiver",
            [py, "-m", "alert_receiver", "--listen", f"127.0.0.1:{p['receiver']}"],
            self.receiver_env(),
        )

    def wait_ready(self, timeout: float = 30) -> None:
        for name, url in [
            ("exporter", f"{self.url('exporter')}/healthz"),
            ("prometheus", f"{self.url('prometheus')}/-/ready"),
            ("alertmanager", f"{self.url('alertmanager')}/-/ready"),
            ("alert-receiver", f"{self.url('receiver')}/readyz"),
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
        procs = [*self.procs, *([("reporter", self.reporter)] if self.reporter else [])]
        for _, proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def banner(self) -> str:
        slack = (
            f"Slack channel {os.environ['SLACK_CHANNEL']} (SLACK_BOT_TOKEN is set)"
            if self.real_slack
            else f"{self.slack_sink}   (local Slack sink: one JSON line per call)"
        )
        reporter = shlex.join(self.reporter_command())
        return f"""
The demo is running, on 127.0.0.1 only:
  Prometheus          {self.url("prometheus")}/graph?g0.expr=healthcheck_probe_success
  Alertmanager        {self.url("alertmanager")}/#/alerts   (k8s/alertmanager/alertmanager.yml)
  alert-receiver      {self.url("receiver")}/metrics   (queue: {self.out}/receiver/)
  exporter metrics    {self.url("exporter")}/metrics
  exporter probe log  {self.url("exporter")}/metrics?debug=true   (why a probe fails)
  HAProxy stats       {self.url("haproxy_stats")}/stats
  workload            {self.url("web")}/
  Slack               {slack}
  pack's own alerts   {self.out}/slack/fallback.jsonl   (Alertmanager's fallback webhook)
  reports             {self.out}/reports/   (the first one is being made now)

"payments-db" is down on purpose: HealthcheckProbeFailed reaches Slack within seconds of start.
Break something else and watch the alert arrive, enriched, then resolve once fixed:
  curl -X POST {self.url("web")}/break/db     (then /fix/db)
  curl -X POST {self.url("web")}/break/web    (then /fix/web)

Another report from the local Prometheus, at any time:
  PROMETHEUS_URL={self.url("prometheus")} REPORT_KUBERNETES=off {reporter}

Configs and logs: {self.out}/   Stop with Ctrl-C.
"""


def sink_posts(path: Path, alertname: str) -> list[dict]:
    """Messages the Slack sink received for `alertname` (posts and updates)."""
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if alertname in r.get("text", "")]


def wait_reporter(demo: Demo, timeout: float) -> Path | None:
    """The report PDF, once the background reporter has finished."""
    if demo.reporter is None:
        return None
    try:
        demo.reporter.wait(timeout)
    except subprocess.TimeoutExpired:
        return None
    pdfs = sorted((demo.out / "reports").glob("report-daily-*.pdf"))
    return pdfs[-1] if pdfs else None


def check(demo: Demo, timeout: float = 75) -> int:
    """Every probe in Prometheus, payments-db's page in the Slack sink, the report written."""
    want = {"orders-db", "payments-db", "web", "web-via-haproxy", "edge", "demo-out"}
    expected = {t: (0.0 if t == "payments-db" else 1.0) for t in want}
    deadline = time.monotonic() + timeout
    found: dict[str, float] = {}
    paged: list[dict] = []
    while time.monotonic() < deadline:
        demo.check_alive()
        found = demo.query("healthcheck_probe_success")
        paged = [
            r
            for r in sink_posts(demo.slack_sink, "HealthcheckProbeFailed")
            if r["op"] == "post" and "payments-db" in json.dumps(r)
        ]
        if found == expected and paged:
            break
        time.sleep(1)
    print(json.dumps(found, sort_keys=True))
    print(f"slack sink: {len(paged)} HealthcheckProbeFailed post(s) for payments-db")
    pdf = wait_reporter(demo, max(5.0, deadline - time.monotonic()))
    print(f"report: {pdf}")
    nodes = _report_nodes(pdf) if pdf else []
    print(f"report nodes: {nodes}")
    return 0 if found == expected and paged and pdf and nodes else 1


def _report_nodes(pdf: Path) -> list[str]:
    """The nodes the report's nodes table names (its CSV beside the PDF)."""
    import csv

    table = pdf.with_name(pdf.stem + "-nodes.csv")
    if not table.exists():
        return []
    with table.open(encoding="utf-8-sig", newline="") as f:
        return [row[0] for row in list(csv.reader(f))[1:]]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "demo-out")
    p.add_argument("--port-base", type=int, default=19090, help="first of 11 loopback ports")
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
        demo.start_reporter()
        if args.check:
            return check(demo)
        print(demo.banner(), flush=True)
        reported = False
        while not stopping:
            demo.check_alive()
            if not reported and demo.reporter and demo.reporter.poll() is not None:
                reported = True
                pdfs = sorted((demo.out / "reports").glob("report-daily-*.pdf"))
                print(
                    f"report written: {pdfs[-1]}"
                    if pdfs
                    else "report failed: see logs/reporter.log",
                    flush=True,
                )
            time.sleep(0.5)
        print("\nstopping the demo ...")
        return 0
    finally:
        demo.stop_all()


if __name__ == "__main__":
    sys.exit(main())
