"""The whole alert loop on loopback, with the shipped settings, for the end-to-end test and the
paging benchmark (bench/paging.py):

    exporter (CLI, the shipped config's shape) ──PodMonitor's scrape──► Prometheus (shipped
    rules) ──► Alertmanager (shipped config) ──bearer──► alert-receiver (CLI) ──► FakeSlack,
    with FakeLoki's log lines

The exporter probes what `k8s/exporter/exporter.yml` lists, in kind and number: TCP ports (the
ones a test breaks, each a `demo.workload.Workload` port that refuses connections while broken,
and always-open ones up to three), three HTTP health endpoints, Debian's HAProxy stats page and two
disk paths, so the cost per node it reports is the shipped config's. Slack and Loki are fakes;
they cannot run here. Nothing shortens a shipped duration.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from demo.configs import (
    Fallback,
    alertmanager_config,
    exporter_scrape,
    haproxy_config,
    prometheus_config,
)
from demo.workload import Workload
from runtime.durations import parse_duration
from tests.alert_receiver.daemons import ReceiverProcess
from tests.fakes import FakeLoki, FakeSlack
from tests.fakes.http import FakeServer, Reply, Request
from tests.helpers import (
    AcceptAndClose,
    ExporterProcess,
    free_port,
    require_binary,
    stop,
    wait_http,
)

TOKEN = "e2e-webhook-token"
ALERT = "HealthcheckProbeFailed"


class Endpoints(FakeServer):
    """HTTP health endpoints that answer 200, and the dead man's switch (pings counted)."""

    def __init__(self) -> None:
        self.pings = 0
        super().__init__()

    def handle(self, req: Request) -> Reply:
        if req.path == "/heartbeat":
            with self.lock:
                self.pings += 1
        return 200, {"Content-Type": "application/json"}, b'{"database": "ok"}\n'


@dataclass(frozen=True)
class Page:
    """One port closed for good: when (wall clock), and seconds per stage until Slack had it."""

    down_at: float
    stages: dict[str, float]


def daemon(argv: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)


def query(prometheus: str, expr: str) -> list[dict]:
    q = urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(f"{prometheus}/api/v1/query?{q}", timeout=5) as r:
            return json.load(r)["data"]["result"]
    except urllib.error.HTTPError as e:  # 503 while Prometheus is still starting
        e.close()
        return []


def wait_for(check: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


class AlertLoop:
    """Started by `start()`, stopped by `close()`; `ports[name]` are the breakable TCP targets."""

    def __init__(self, tmp: Path, breakable: list[str], receiver_env: dict | None = None) -> None:
        self.tmp = tmp
        self.interval, self.timeout = (parse_duration(d) for d in exporter_scrape())
        self.ports = {name: Workload(free_port()) for name in breakable}
        self.always_open = [AcceptAndClose() for _ in range(max(0, 3 - len(breakable)))]
        self.slack, self.loki, self.endpoints = FakeSlack(), FakeLoki(), Endpoints()
        self.receiver_env = receiver_env or {}
        self.procs: list[subprocess.Popen] = []
        self.receiver: ReceiverProcess | None = None
        self.exporter: ExporterProcess | None = None
        self.prometheus = ""

    # -- start and stop ----------------------------------------------------------------------

    def _daemon(self, name: str, argv: list[str]) -> None:
        self.procs.append(daemon(argv, self.tmp / f"{name}.log"))

    def exporter_yml(self, stats_port: int) -> str:
        tcp = [(name, f"127.0.0.1:{w.db_port}") for name, w in self.ports.items()]
        tcp += [(f"always-open-{i}", s.address) for i, s in enumerate(self.always_open)]
        lines = ["timeout: 1500ms", "tcp:"]
        lines += [f"  - name: {n}\n    address: {a}" for n, a in tcp]
        lines.append("http:")
        lines += [
            f"  - name: {p}\n    url: {self.endpoints.url}/{p}" for p in ("ready", "health", "api")
        ]
        lines += ["haproxy:", f"  - name: edge\n    url: http://127.0.0.1:{stats_port}/stats;csv"]
        (self.tmp / "disk-a").mkdir(exist_ok=True)
        (self.tmp / "disk-b").mkdir(exist_ok=True)
        lines += ["disk:", f"  - name: root\n    path: {self.tmp / 'disk-a'}"]
        lines += [f"  - name: var-lib\n    path: {self.tmp / 'disk-b'}"]
        return "\n".join(lines) + "\n"

    def start(self) -> AlertLoop:
        prometheus_bin = require_binary("prometheus")
        alertmanager_bin = require_binary("prometheus-alertmanager")
        haproxy_bin = require_binary("haproxy")
        tmp = self.tmp
        stats_port = free_port()
        (tmp / "haproxy.cfg").write_text(
            haproxy_config(stats_port, int(self.endpoints.url.rsplit(":", 1)[1]), "/ready")
        )
        self._daemon("haproxy", [haproxy_bin, "-db", "-f", str(tmp / "haproxy.cfg")])
        token_file = tmp / "receiver-token"
        token_file.write_text(TOKEN + "\n")
        self.receiver = ReceiverProcess(
            {
                "ALERT_RECEIVER_TOKEN_FILE": str(token_file),
                "ALERT_RECEIVER_DB": str(tmp / "receiver.db"),
                "SLACK_BOT_TOKEN": self.slack.token,
                "SLACK_CHANNEL": "C0ALERTS",
                "SLACK_API_URL": self.slack.api_url,
                "LOKI_URL": self.loki.url,
                "REPORT_LANGUAGE": "en",
                "BEDROCK_MODEL_ID": "",
                "BEDROCK_ANALYSIS_AGENT_ID": "",
                **self.receiver_env,
            }
        )
        (tmp / "exporter.yml").write_text(self.exporter_yml(stats_port))
        self.exporter = ExporterProcess(tmp / "exporter.yml")
        am_port, prom_port = free_port(), free_port()
        heartbeat = f"{self.endpoints.url}/heartbeat"
        unused_fallback = tmp / "fallback-unused"
        unused_fallback.write_text(f"{self.endpoints.url}/fallback\n")
        (tmp / "alertmanager.yml").write_text(
            alertmanager_config(
                f"{self.receiver.url}/api/v1/alerts",
                token_file,
                heartbeat,
                # The pack's alerts on itself are not this loop's: their fallback goes nowhere.
                Fallback(unused_fallback, f"127.0.0.1:{free_port()}", unused_fallback),
            )
        )
        self._daemon(
            "alertmanager",
            [
                alertmanager_bin,
                f"--config.file={tmp / 'alertmanager.yml'}",
                f"--storage.path={tmp / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
            ],
        )
        (tmp / "prometheus.yml").write_text(
            prometheus_config(
                self.exporter.url.removeprefix("http://"),
                self.receiver.url.removeprefix("http://"),
                f"127.0.0.1:{am_port}",
                node="e2e",
            )
        )
        self._daemon(
            "prometheus",
            [
                prometheus_bin,
                f"--config.file={tmp / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
        )
        self.prometheus = f"http://127.0.0.1:{prom_port}"
        wait_http(f"http://127.0.0.1:{am_port}/-/ready")
        wait_http(f"{self.prometheus}/-/ready")
        return self

    def close(self) -> None:
        for proc in reversed(self.procs):
            stop(proc)
        if self.exporter is not None:
            stop(self.exporter.proc)
        if self.receiver is not None:
            self.receiver.terminate()
        for fake in (self.slack, self.loki, self.endpoints):
            fake.close()
        for port in self.ports.values():
            port.break_db()
        for listener in self.always_open:
            listener.close()

    # -- Prometheus --------------------------------------------------------------------------

    def query(self, expr: str) -> list[dict]:
        return query(self.prometheus, expr)

    def scalar(self, expr: str) -> float | None:
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def wait_healthy(self, timeout: float = 60) -> bool:
        """Every breakable port probed successfully, and the probe rules evaluated since."""
        ok = f'count(healthcheck_probe_success{{kind="tcp"}} == 1) >= {len(self.ports)}'
        return bool(wait_for(lambda: self.query(ok) and self._probes_evaluated(), timeout, 0.5))

    def _probes_evaluated(self) -> bool:
        with urllib.request.urlopen(f"{self.prometheus}/api/v1/rules", timeout=5) as r:
            groups = json.load(r)["data"]["groups"]
        [probes] = [g for g in groups if g["name"] == "healthcheck-probes.alerts"]
        return not probes["lastEvaluation"].startswith("0001-")

    def samples(self, target: str, window: str = "1m") -> list[tuple[float, float]]:
        """The raw (timestamp, value) samples of a target's probe over the last `window`."""
        result = self.query(f'healthcheck_probe_success{{target="{target}"}}[{window}]')
        return [(float(t), float(v)) for t, v in result[0]["values"]] if result else []

    def last_scrape(self, target: str) -> float:
        return self.scalar(f'timestamp(healthcheck_probe_success{{target="{target}"}})') or 0.0

    def active_at(self, target: str) -> float | None:
        """When Prometheus' alert for `target` became active (it fires at once: `for` is 0s)."""
        with urllib.request.urlopen(f"{self.prometheus}/api/v1/alerts", timeout=5) as r:
            alerts = json.load(r)["data"]["alerts"]
        for a in alerts:
            if a["labels"].get("alertname") == ALERT and a["labels"].get("target") == target:
                return _rfc3339(a["activeAt"])
        return None

    def fired(self, target: str, window: str) -> list[dict]:
        """The alert's ALERTS series for `target` (pending or firing) over the last `window`."""
        matchers = f'alertname="{ALERT}", target="{target}"'
        return self.query(f"count_over_time(ALERTS{{{matchers}}}[{window}])")

    # -- Slack -------------------------------------------------------------------------------

    def posts(self, target: str) -> list[dict]:
        return [m for m in self.slack.posts() if ALERT in m["text"] and target in json.dumps(m)]

    def first_post_at(self, target: str) -> float | None:
        with self.slack.lock:
            calls = list(self.slack.calls)
        times = [
            c.at
            for c in calls
            if c.method == "chat.postMessage"
            and c.error is None
            and ALERT in c.args.get("text", "")
            and target in json.dumps(c.args)
            and not c.args.get("thread_ts")
        ]
        return min(times) if times else None

    # -- the measurements --------------------------------------------------------------------

    def page(self, target: str, within: float) -> Page | None:
        """Close `target`'s port for good and time its page, stage by stage."""
        down_at = time.time()
        self.ports[target].break_db()
        posted = wait_for(lambda: self.first_post_at(target), within, 0.02)
        if not posted:
            return None
        failed = [t for t, v in self.samples(target, "30s") if v == 0 and t >= down_at]
        active = self.active_at(target) or posted
        nan = float("nan")
        stages = {
            "until probed": failed[0] - down_at if failed else nan,
            "second failed scrape": failed[1] - failed[0] if len(failed) > 1 else nan,
            "arrival and evaluation": active - failed[1] if len(failed) > 1 else nan,
            "Prometheus -> Alertmanager -> receiver -> Slack": posted - active,
            "time to page": posted - down_at,
        }
        return Page(down_at, stages)

    def blip(self, target: str, length: float) -> float:
        """Refuse `target`'s connections for `length` seconds around one scrape (its time)."""
        scrape = self.last_scrape(target) + self.interval
        while scrape - length / 2 < time.time() + 0.2:
            scrape += self.interval
        time.sleep(scrape - length / 2 - time.time())
        self.ports[target].break_db()
        time.sleep(length)
        self.ports[target].fix_db()
        return scrape

    def cost(self, window: int = 30) -> dict[str, float]:
        """Per node (one exporter), over the last `window` seconds: probes/s, samples/s
        ingested, the exporter's CPU and RSS."""
        job, w = 'job="healthcheck-exporter"', f"[{window}s]"
        scrapes = self.scalar(f"count_over_time(up{{{job}}}{w}) / {window}") or 0.0
        targets = self.scalar(f"sum(healthcheck_targets{{{job}}})") or 0.0
        # every sample of the scrape, plus the five series Prometheus adds (up, scrape_*)
        samples = self.scalar(f"scrape_samples_post_metric_relabeling{{{job}}} + 5") or 0.0
        cpu = self.scalar(f"rate(process_cpu_seconds_total{{{job}}}{w})") or 0.0
        rss = self.scalar(f"process_resident_memory_bytes{{{job}}}") or 0.0
        return {
            "targets": targets,
            "scrapes/s": scrapes,
            "probes/s": targets * scrapes,
            "samples/scrape": samples,
            "samples/s": samples * scrapes,
            "exporter CPU (% of a core)": cpu * 100,
            "exporter RSS (MB)": rss / 1e6,
        }


def _rfc3339(text: str) -> float:
    """Prometheus' times have nanoseconds; Python reads microseconds."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
    return datetime.fromisoformat(text).timestamp()
