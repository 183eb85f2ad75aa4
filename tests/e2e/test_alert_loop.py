"""The whole loop, real daemons with the shipped settings: a probed port closes, Slack is paged.

    exporter (CLI) ──5s/4s──► Prometheus (shipped rules) ──► Alertmanager (shipped config)
        ──bearer──► alert-receiver (CLI) ──► FakeSlack (Web API), with FakeLoki's log lines
    then `reporter daily --no-send` against the same Prometheus.

No test overlay shortens anything: the shipped `for: 10s` of HealthcheckProbeFailed, the 5 s probe
rule group, the 5 s scrape with a 4 s timeout and the critical probe route's `group_wait: 0s`,
`group_interval: 30s` already page within the 30 s the issue asks for and resolve within a minute,
so the test measures the time to page users get. Slack and Loki are fakes (they cannot run here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from demo.configs import Fallback, alertmanager_config, prometheus_config
from demo.workload import Workload
from tests.alert_receiver.daemons import ReceiverProcess
from tests.fakes import FakeLoki, FakeSlack
from tests.fakes.http import FakeServer, Reply, Request
from tests.helpers import ExporterProcess, free_port, require_binary, stop, wait_http

pytestmark = [pytest.mark.integration, pytest.mark.timeout(170)]

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "e2e-webhook-token"
TARGET = "payments-db"
PASSWORD = "hunter2-s3cret"
PAGE_WITHIN = 30.0  # the bound on the time to page
RESOLVE_WITHIN = 60.0  # 5 s scrape + 4 s probe + 5 s evaluation + 30 s group_interval + slack


class Heartbeat(FakeServer):
    """The dead man's switch the shipped config sends HealthcheckWatchdog to (kept on loopback)."""

    def __init__(self) -> None:
        self.pings = 0
        super().__init__()

    def handle(self, req: Request) -> Reply:
        with self.lock:
            self.pings += 1
        return 200, {"Content-Type": "text/plain"}, b"ok\n"


def daemon(argv: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)


def wait_for(check: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def query(prom_url: str, expr: str) -> list[dict]:
    q = urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(f"{prom_url}/api/v1/query?{q}", timeout=5) as resp:
            return json.load(resp)["data"]["result"]
    except urllib.error.HTTPError as e:  # 503 while Prometheus is still starting
        e.close()
        return []


def probe_posts(slack: FakeSlack) -> list[dict]:
    return [m for m in slack.posts() if "HealthcheckProbeFailed" in m["text"]]


def first_post_at(slack: FakeSlack) -> float:
    with slack.lock:
        calls = list(slack.calls)
    return min(
        c.at
        for c in calls
        if c.method == "chat.postMessage"
        and c.error is None
        and "HealthcheckProbeFailed" in c.args.get("text", "")
        and not c.args.get("thread_ts")
    )


@pytest.fixture
def stack(tmp_path) -> Iterator[dict[str, Any]]:
    prometheus_bin = require_binary("prometheus")
    alertmanager_bin = require_binary("prometheus-alertmanager")
    require_binary("pdftotext")
    target = Workload(free_port())  # the demo's "database" port, closed and reopened
    slack, loki, heartbeat = FakeSlack(), FakeLoki(), Heartbeat()
    procs: list[subprocess.Popen] = []
    receiver = exporter = None
    try:
        now = datetime.now(UTC)
        for i, line in enumerate(
            [
                "INFO accepted connection from 10.0.3.7",
                f"ERROR connect to postgres://app:{PASSWORD}@10.0.3.9:5432/pay refused",
                "ERROR <!channel> payments-db primary unreachable, failing over",
            ]
        ):
            loki.add({"app": TARGET, "namespace": "shop"}, now + timedelta(seconds=i), line)
        token_file = tmp_path / "receiver-token"
        token_file.write_text(TOKEN + "\n")
        receiver = ReceiverProcess(
            {
                "ALERT_RECEIVER_TOKEN_FILE": str(token_file),
                "ALERT_RECEIVER_DB": str(tmp_path / "receiver.db"),
                "SLACK_BOT_TOKEN": slack.token,
                "SLACK_CHANNEL": "C0ALERTS",
                "SLACK_API_URL": slack.api_url,
                "LOKI_URL": loki.url,
                "REPORT_LANGUAGE": "en",
                "BEDROCK_MODEL_ID": "",
                "BEDROCK_ANALYSIS_AGENT_ID": "",
            }
        )
        (tmp_path / "exporter.yml").write_text(
            f"timeout: 2s\ntcp:\n  - name: {TARGET}\n    address: 127.0.0.1:{target.db_port}\n"
        )
        exporter = ExporterProcess(tmp_path / "exporter.yml")
        am_port, prom_port = free_port(), free_port()
        unused_fallback = tmp_path / "fallback-unused"  # the pack's own alerts: not this test's
        unused_fallback.write_text(f"{heartbeat.url}/fallback\n")
        (tmp_path / "alertmanager.yml").write_text(
            alertmanager_config(
                f"{receiver.url}/api/v1/alerts",
                token_file,
                heartbeat.url,
                Fallback(unused_fallback, f"127.0.0.1:{free_port()}", unused_fallback),
            )
        )
        procs.append(
            daemon(
                [
                    alertmanager_bin,
                    f"--config.file={tmp_path / 'alertmanager.yml'}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                ],
                tmp_path / "alertmanager.log",
            )
        )
        (tmp_path / "prometheus.yml").write_text(
            prometheus_config(
                exporter.url.removeprefix("http://"),
                receiver.url.removeprefix("http://"),
                f"127.0.0.1:{am_port}",
                node="e2e",
            )
        )
        procs.append(
            daemon(
                [
                    prometheus_bin,
                    f"--config.file={tmp_path / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                ],
                tmp_path / "prometheus.log",
            )
        )
        prom_url = f"http://127.0.0.1:{prom_port}"
        wait_http(f"http://127.0.0.1:{am_port}/-/ready")
        wait_http(f"{prom_url}/-/ready")
        yield {
            "target": target,
            "slack": slack,
            "loki": loki,
            "heartbeat": heartbeat,
            "prometheus": prom_url,
            "tmp": tmp_path,
        }
    finally:
        for proc in reversed(procs):
            stop(proc)
        if exporter is not None:
            stop(exporter.proc)
        if receiver is not None:
            receiver.terminate()
        for fake in (slack, loki, heartbeat):
            fake.close()
        target.break_db()


def test_a_closed_port_pages_slack_with_logs_and_analysis_then_resolves(stack, record_property):
    slack, target, prom = stack["slack"], stack["target"], stack["prometheus"]

    # Healthy first: Prometheus has scraped a successful probe and evaluated the probe rule.
    up = f'healthcheck_probe_success{{target="{TARGET}"}} == 1'
    assert wait_for(lambda: query(prom, up), 30, 0.5), "Prometheus never saw the probe succeed"
    assert not probe_posts(slack)

    # The port closes: the time to page runs from here to Slack's first chat.postMessage.
    down_at = time.time()
    target.break_db()
    assert wait_for(lambda: probe_posts(slack), PAGE_WITHIN + 15, 0.05), "no page within 45 s"
    time_to_page = first_post_at(slack) - down_at
    record_property("time_to_page_seconds", round(time_to_page, 2))
    print(f"\ntime to page (port closed -> Slack chat.postMessage): {time_to_page:.1f} s")
    assert time_to_page < PAGE_WITHIN

    [post] = probe_posts(slack)
    ts = post["ts"]
    first = json.dumps(post)
    assert "FIRING" in post["text"]
    assert TARGET in first
    assert "critical" in first.lower()

    # Log lines and the analysis follow by chat.update; both escaped and redacted end to end.
    def enriched() -> str | None:
        text = json.dumps(slack.messages[ts])
        return text if "primary unreachable" in text and "Rule-based summary" in text else None

    body = wait_for(enriched, 20, 0.2)
    assert body, json.dumps(slack.messages[ts], indent=1)[:4000]
    assert "&lt;!channel&gt;" in body
    assert "<!channel>" not in body
    assert PASSWORD not in body
    assert "tcp" in body  # the kind label

    # The reporter counts an alert as fired when it is firing at a whole minute (a 1m subquery),
    # so keep the port closed past the next minute boundary before it comes back.
    time.sleep(max(0.0, (int(first_post_at(slack)) // 60 + 1) * 60 + 3 - time.time()))

    # The port comes back: the same message is updated as resolved, and nothing new is posted.
    up_at = time.time()
    target.fix_db()
    resolved = wait_for(lambda: "RESOLVED" in slack.messages[ts]["text"], RESOLVE_WITHIN, 0.1)
    time_to_resolve = time.time() - up_at
    record_property("time_to_resolve_seconds", round(time_to_resolve, 2))
    print(f"time to resolve (port open -> Slack chat.update RESOLVED): {time_to_resolve:.1f} s")
    assert resolved, slack.messages[ts]["text"]
    assert len(probe_posts(slack)) == 1

    # The daily report from the same Prometheus mentions the target and the alert.
    out = stack["tmp"] / "reports"
    env = {
        **os.environ,
        "PROMETHEUS_URL": prom,
        "REPORT_LANGUAGE": "en",
        "REPORT_KUBERNETES": "off",
        "LOKI_URL": "",
        "SLACK_BOT_TOKEN": "",
        "TEAM_EMAILS": "",
        "BEDROCK_MODEL_ID": "",
        "BEDROCK_REPORT_AGENT_ID": "",
    }
    end = datetime.now(UTC).isoformat(timespec="seconds")
    report = subprocess.run(
        [sys.executable, "-m", "reporter", "daily", "--end", end, "--out", str(out), "--no-send"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert report.returncode == 0, report.stdout + report.stderr
    [pdf] = list(out.glob("report-daily-*.pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert TARGET in text
    assert "HealthcheckProbeFailed" in text
