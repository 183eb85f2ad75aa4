"""The stack the pack-watch test and its benchmark run: alert-receiver (CLI) with a Slack token
that Slack refuses, a real Prometheus with the generated rules scraping it, a real Alertmanager
with the shipped config (demo/configs.py's substitutions), a second FakeSlack as the fallback's
incoming webhook and demo/smtp_sink.py as its mail server. All on loopback."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from demo.configs import Fallback, alertmanager_config, prometheus_config
from demo.smtp_sink import SmtpSink
from tests.alert_receiver.daemons import ReceiverProcess
from tests.e2e.stack import Endpoints, daemon
from tests.fakes import FakeSlack
from tests.helpers import free_port, require_binary, stop, wait_http

TOKEN = "pack-watch-webhook-token"


@dataclass
class PackStack:
    receiver: ReceiverProcess
    slack: FakeSlack  # what alert-receiver calls: every call answered invalid_auth
    fallback: FakeSlack  # the fallback receiver's incoming webhook
    smtp: SmtpSink
    prometheus: str
    alertmanager: str
    procs: list[subprocess.Popen] = field(default_factory=list)


@contextlib.contextmanager
def pack_stack(
    tmp: Path, receiver_interval: str = "2s", evaluation_interval: str = "2s"
) -> Iterator[PackStack]:
    prometheus_bin = require_binary("prometheus")
    alertmanager_bin = require_binary("prometheus-alertmanager")
    slack, fallback_slack, endpoints, smtp = FakeSlack(), FakeSlack(), Endpoints(), SmtpSink()
    procs: list[subprocess.Popen] = []
    receiver = None
    try:
        token_file = tmp / "receiver-token"
        token_file.write_text(TOKEN + "\n")
        receiver = ReceiverProcess(
            {
                "ALERT_RECEIVER_TOKEN_FILE": str(token_file),
                "ALERT_RECEIVER_DB": str(tmp / "receiver.db"),
                "SLACK_BOT_TOKEN": "xoxb-revoked",  # FakeSlack answers invalid_auth
                "SLACK_CHANNEL": "C0ALERTS",
                "SLACK_API_URL": slack.api_url,
                "ALERT_RECEIVER_RETRY_MAX_DELAY": "5",
                "REPORT_LANGUAGE": "en",
                "BEDROCK_MODEL_ID": "",
                "BEDROCK_ANALYSIS_AGENT_ID": "",
            }
        )
        url_file, password_file = tmp / "fallback-url", tmp / "smtp-password"
        url_file.write_text(fallback_slack.webhook_url + "\n")
        password_file.write_text("smtp-s3cret\n")
        am_port, prom_port = free_port(), free_port()
        (tmp / "alertmanager.yml").write_text(
            alertmanager_config(
                f"{receiver.url}/api/v1/alerts",
                token_file,
                f"{endpoints.url}/heartbeat",
                Fallback(url_file, smtp.address, password_file),
            )
        )
        procs.append(
            daemon(
                [
                    alertmanager_bin,
                    f"--config.file={tmp / 'alertmanager.yml'}",
                    f"--storage.path={tmp / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                ],
                tmp / "alertmanager.log",
            )
        )
        (tmp / "prometheus.yml").write_text(
            prometheus_config(
                f"127.0.0.1:{free_port()}",  # no exporter here
                receiver.url.removeprefix("http://"),
                f"127.0.0.1:{am_port}",
                node="e2e",
                receiver_interval=receiver_interval,
                evaluation_interval=evaluation_interval,
            )
        )
        procs.append(
            daemon(
                [
                    prometheus_bin,
                    f"--config.file={tmp / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp / 'prometheus-data'}",
                    f"--web.listen-address=127.0.0.1:{prom_port}",
                ],
                tmp / "prometheus.log",
            )
        )
        wait_http(f"http://127.0.0.1:{am_port}/-/ready")
        wait_http(f"http://127.0.0.1:{prom_port}/-/ready")
        yield PackStack(
            receiver,
            slack,
            fallback_slack,
            smtp,
            f"http://127.0.0.1:{prom_port}",
            f"http://127.0.0.1:{am_port}",
            procs,
        )
    finally:
        for proc in reversed(procs):
            stop(proc)
        if receiver is not None:
            receiver.terminate()
        for fake in (slack, fallback_slack, endpoints):
            fake.close()
        smtp.close()
