"""Shared fixtures: a real Prometheus over two weeks of the synthetic cluster, ending at a fixed
Monday 00:00 in Asia/Seoul, so a weekly report covers one whole ISO week and the week before it
is there to compare with; the model's probe outages fall on the last weekend."""

from __future__ import annotations

import contextlib
import io
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.cli import main
from tests.fakes.bedrock import FakeBedrock
from tests.fakes.kubernetes import FakeKubernetesAPI, node, pod
from tests.fakes.loki_metrics import FakeLokiMetrics
from tests.fakes.moto_ses import CREDENTIALS, REGION
from tests.fakes.slack import FakeSlack
from tests.helpers import require_binary

SEOUL = ZoneInfo("Asia/Seoul")
END = datetime(2026, 11, 2, 0, 0, tzinfo=SEOUL)  # a Monday: the week 2026-W44 has just ended
SENDER = "reports@example.com"
STEM = "report-weekly-2026-W44-ko"


@pytest.fixture(scope="session")
def report_prometheus(tmp_path_factory):
    """(PrometheusProcess, ClusterModel): 15 days, 3 nodes, 12 pods, backfilled with promtool."""
    from tests.fixtures.cluster import ClusterModel, backfill
    from tests.fixtures.prometheus import PrometheusProcess
    from tests.helpers import free_port, require_binary

    prometheus = require_binary("prometheus")
    promtool = require_binary("promtool")
    model = ClusterModel(end=int(END.timestamp()), days=15, history_step=300)
    data = tmp_path_factory.mktemp("report-cluster") / "tsdb"
    backfill(model, data, promtool)
    server = PrometheusProcess(prometheus, data, free_port())
    yield server, model
    server.stop()


def pdftotext(path: Path) -> str:
    binary = require_binary("pdftotext")
    out = subprocess.run([binary, "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


@pytest.fixture
def world(report_prometheus, moto, tmp_path, monkeypatch):
    """Every outside system up, and the environment a CronJob would give the reporter."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    moto.fresh(SENDER)
    with (
        FakeLokiMetrics() as loki,
        FakeKubernetesAPI() as kube,
        FakeSlack(channels={"C0REPORTS"}) as slack,
        FakeBedrock(
            answer=lambda prompt: "클러스터는 안정적이었습니다.\n\n주의: orders-db 장애 40분."
        ) as bedrock,
    ):
        for i in range(12):
            loki.add(
                {"namespace": "shop", "app": "api"},
                END - timedelta(hours=6 * i + 1),
                f"ERROR upstream timeout after {100 + i} ms",
            )
        kube.nodes = [node("node-1", roles=("control-plane",)), node("node-2"), node("node-3")]
        kube.pods = [pod("shop", f"api-{i}") for i in range(5)] + [pod("shop", "job-1", "Failed")]
        env = {
            "PROMETHEUS_URL": report_prometheus[0].url,
            "LOKI_URL": loki.url,
            "KUBECONFIG": str(kube.kubeconfig(tmp_path)),
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": "C0REPORTS",
            "SLACK_API_URL": slack.api_url,
            "TEAM_EMAILS": "lead@example.com, oncall@example.com",
            "AWS_SES_REGION": REGION,
            "AWS_SES_FROM_EMAIL": SENDER,
            "AWS_SES_ENDPOINT_URL": moto.url,
            "AWS_REGION": "us-east-1",
            "BEDROCK_MODEL_ID": "anthropic.claude-3-haiku-20240307-v1:0",
            "BEDROCK_ENDPOINT_URL": bedrock.url,
            "BEDROCK_TIMEOUT": "5",
            "BEDROCK_MAX_ATTEMPTS": "1",
            "REPORT_DELIVERY_RECORD": "configmap:monitoring/reporter-delivery-record",
            "GRAFANA_URL": "http://grafana.bravo-monitoring-ns:3000",
        }
        yield {
            "env": env,
            "loki": loki,
            "kube": kube,
            "slack": slack,
            "bedrock": bedrock,
            "moto": moto,
            "out": tmp_path / "out",
        }


def run(world, *args: str, period: str = "weekly", **env: str) -> tuple[int, list[Path]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [period, "--end", END.isoformat(), "--out", str(world["out"]), *args],
            environ={**world["env"], **env},
        )
    return code, [Path(line) for line in out.getvalue().splitlines()]
