"""The `reporter` command end to end: real Prometheus (backfilled), moto server for SES, and
fakes for Loki, the Kubernetes API, Slack and Bedrock, all reached by URL as in production.

The PDF is read back with pdftotext: the figures, the Korean words and the embedded font must be
there; the CSVs must hold the tables' rows; a second run must not send again; a source that is
down still gives a report, with the section saying so, and exit code 3 after delivery.
"""

from __future__ import annotations

import csv
import io

import pytest

from reporter.pdf import font_embedded
from tests.fakes.kubernetes import node
from tests.helpers import refused_port
from tests.reporter.conftest import STEM, pdftotext, run

pytestmark = pytest.mark.integration


def test_weekly_report_is_written_delivered_once(world):
    code, paths = run(world)
    assert code == 0
    pdf = world["out"] / f"{STEM}.pdf"
    assert paths[0] == pdf
    assert font_embedded(pdf.read_bytes())
    text = pdftotext(pdf)
    for words in (
        "주간 운영 리포트",
        "2026년 44주차 (10월 26일 - 11월 1일)",
        "bravo-onprem",
        "핵심 지표",
        "지난주 대비",
        "헬스체크 가용성",
        "orders-db",
        "99.603%",
        "클러스터는 안정적이었습니다.",
        "AI 분석 (AWS Bedrock",
        "페이지 2 / ",
    ):
        assert words in text, words
    assert "\ufffd" not in text
    # every CSV row is a row of the PDF's table, cell by cell
    nodes_csv = world["out"] / f"{STEM}-nodes.csv"
    assert nodes_csv in paths
    raw = nodes_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "노드"
    assert [r[0] for r in rows[1:]] == ["node-1", "node-2", "node-3"]
    for row in rows[1:]:
        assert any(line.split() == row for line in text.splitlines()), row
    # delivered: one file in Slack, one e-mail with the PDF
    slack, moto = world["slack"], world["moto"]
    [uploaded] = [f for f in slack.files.values() if "content" in f]
    assert uploaded["content"] == pdf.read_bytes()
    assert uploaded["channel"] == "C0REPORTS"
    assert "주간 운영 리포트" in uploaded["initial_comment"]
    assert "평균 CPU 사용률" in uploaded["initial_comment"]
    [(to, msg)] = moto.messages()
    assert to == ["lead@example.com", "oncall@example.com"]
    assert msg["Subject"] == "[bravo-onprem] 주간 운영 리포트 2026년 44주차 (10월 26일 - 11월 1일)"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content() == pdf.read_bytes()
    assert "보내드립니다" in msg.get_body(("plain",)).get_content()
    # Bedrock was given figures, not raw log lines
    [prompt] = world["bedrock"].prompts
    assert "orders-db" in str(prompt)
    record = world["kube"].configmap("monitoring", "reporter-delivery-record")
    assert '"state": "sent"' in record["data"]["weekly.2026-W44"]

    # the CronJob's retry: same report, nothing sent again
    code, _ = run(world)
    assert code == 0
    assert slack.count("files.completeUploadExternal") == 1
    assert len(moto.messages()) == 1


def test_no_send_writes_files_only(world):
    code, paths = run(world, "--no-send")
    assert code == 0
    assert len(paths) > 5
    assert all(p.exists() for p in paths)
    assert world["slack"].count("files.getUploadURLExternal") == 0
    assert world["moto"].messages() == []
    assert world["kube"].configmap("monitoring", "reporter-delivery-record") is None


def test_sources_down_still_give_a_delivered_report_and_exit_3(world):
    world["loki"].fail_status = 503
    world["kube"].fail_status = 500
    world["bedrock"].fail(times=20)
    down = f"http://127.0.0.1:{refused_port()}"
    code, paths = run(world, REPORT_DELIVERY_RECORD=f"file:{world['out']}/record.json")
    assert code == 3
    text = pdftotext(paths[0])
    assert "데이터 없음: Loki에서 데이터를 가져오지 못했습니다" in text
    assert "데이터 없음: Kubernetes API에서 데이터를 가져오지 못했습니다" in text
    assert "규칙 기반 자동 요약입니다" in text
    assert "orders-db" in text  # Prometheus' sections are all there
    assert world["slack"].count("files.completeUploadExternal") == 1
    assert len(world["moto"].messages()) == 1

    code, paths = run(world, "--no-send", PROMETHEUS_URL=down)
    assert code == 3
    text = pdftotext(paths[0])
    assert "데이터 없음: Prometheus에서 데이터를 가져오지 못했습니다" in text
    assert "주간 운영 리포트" in text


def test_english_report(world):
    code, paths = run(world, "--no-send", REPORT_LANGUAGE="en")
    assert code == 0
    assert paths[0].name == "report-weekly-2026-W44-en.pdf"
    text = pdftotext(paths[0])
    for words in (
        "Weekly operations report",
        "week 44 of 2026",
        "Key figures",
        "vs. last week",
        "Healthcheck availability",
        "99.603%",
    ):
        assert words in text, words


def test_bad_settings_exit_2_before_anything(world, capsys):
    code, paths = run(world, REPORT_LANGUAGE="fr", SLACK_CHANNEL="#reports")
    assert code == 2
    assert paths == []
    err = capsys.readouterr().err
    assert "REPORT_LANGUAGE" in err
    assert "SLACK_CHANNEL" in err


def test_daily_report_with_nodes_that_report_no_capacity(world):
    """Virtual nodes (virtual-kubelet) may report no cpu or no memory capacity: the daily run
    still writes, exports and delivers its report, with "-" where a capacity is unknown."""
    world["kube"].nodes = [
        node("node-1"),
        node("virtual-node-aci", cpu=None),
        node("node-no-memory", memory=None),
        node("node-zero", cpu="0", memory="0"),
        node("node-half", cpu="500m"),
    ]
    code, paths = run(world, period="daily")
    assert code == 0
    stem = "report-daily-2026-11-01-ko"
    assert paths[0] == world["out"] / f"{stem}.pdf"
    rows = list(
        csv.reader(io.StringIO((world["out"] / f"{stem}-k8s-nodes.csv").read_text("utf-8-sig")))
    )
    capacity = {r[0]: (r[4], r[5]) for r in rows[1:]}
    assert capacity == {
        "node-1": ("4", "31.3"),
        "virtual-node-aci": ("", "31.3"),  # none: an empty cell, not "-"
        "node-no-memory": ("4", ""),
        "node-zero": ("0", "0.0"),
        "node-half": ("0.5", "31.3"),
    }
    text = pdftotext(paths[0])
    assert "virtual-node-aci" in text
    assert world["slack"].count("files.completeUploadExternal") == 1
    assert len(world["moto"].messages()) == 1
