"""integrations.ses against a real moto server: raw e-mail with a PDF attached, Korean subject."""

from __future__ import annotations

import pytest

from integrations.errors import NotConfigured, Rejected, Unavailable
from integrations.ses import MAX_RECIPIENTS, Attachment, SesClient, build_message
from tests.fakes.moto_ses import CREDENTIALS, REGION
from tests.helpers import refused_port

SENDER = "reports@example.com"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def ses(moto, monkeypatch):
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    moto.fresh(SENDER)
    client = SesClient(region=REGION, sender=SENDER, endpoint_url=moto.url)
    yield client
    client.close()


def test_sends_pdf_with_korean_subject_and_body(ses, moto):
    ids = ses.send(
        ["lead@example.com", "oncall@example.com"],
        "[bravo-onprem] 월간 운영 리포트 2025년 10월",
        "월간 운영 리포트를 보내드립니다.\n평균 CPU 사용률: 47.5%",
        [Attachment("report-monthly-2025-10-ko.pdf", PDF, "application/pdf")],
    )
    assert len(ids) == 1
    assert ids[0]
    [(to, msg)] = moto.messages()
    assert to == ["lead@example.com", "oncall@example.com"]
    assert msg["Subject"] == "[bravo-onprem] 월간 운영 리포트 2025년 10월"
    assert msg["From"] == SENDER
    body = msg.get_body(("plain",))
    assert body is not None
    assert "평균 CPU 사용률: 47.5%" in body.get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "report-monthly-2025-10-ko.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF


def test_more_than_fifty_recipients_go_in_groups(ses, moto):
    people = [f"p{i}@example.com" for i in range(MAX_RECIPIENTS + 7)]
    ids = ses.send(people, "subject", "body")
    assert len(ids) == 2
    groups = [to for to, _ in moto.messages()]
    assert sorted(len(g) for g in groups) == [7, MAX_RECIPIENTS]
    assert sorted(a for g in groups for a in g) == sorted(people)


def test_unverified_sender_is_rejected(moto, monkeypatch):
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    moto.reset()
    client = SesClient(region=REGION, sender="nobody@example.com", endpoint_url=moto.url)
    try:
        with pytest.raises(Rejected, match="MessageRejected"):
            client.send(["lead@example.com"], "s", "b")
    finally:
        client.close()


def test_oversized_message_is_refused_before_sending(ses, moto):
    big = Attachment("big.pdf", b"x" * (11 * 1024 * 1024), "application/pdf")
    with pytest.raises(Rejected, match="10 MB"):
        ses.send(["lead@example.com"], "s", "b", [big])
    assert moto.messages() == []


def test_unreachable_endpoint_is_unavailable(monkeypatch):
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    client = SesClient(
        region=REGION, sender=SENDER, endpoint_url=f"http://127.0.0.1:{refused_port()}", timeout=2
    )
    try:
        with pytest.raises(Unavailable):
            client.send(["lead@example.com"], "s", "b")
    finally:
        client.close()


def test_settings_and_recipients_are_required():
    with pytest.raises(NotConfigured):
        SesClient(region="", sender=SENDER)


def test_message_headers_are_encoded_for_smtp():
    msg = build_message(SENDER, ["a@example.com"], "주간 리포트", "본문", [])
    raw = msg.as_bytes()
    assert b"\r\n" in raw
    assert "주간".encode() not in raw.split(b"\r\n\r\n")[0]  # the header is RFC 2047-encoded
    assert b"Subject: =?utf-8?" in raw
