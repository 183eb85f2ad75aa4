"""Amazon SES: one e-mail with attachments to a list of recipients (`SendRawEmail`).

    ses = SesClient(region="ap-northeast-2", sender="reports@example.com")
    pdf = Attachment("r.pdf", content, "application/pdf")
    ses.send(["lead@example.com"], "월간 리포트", "본문", [pdf])

Raw e-mail is the SES call that carries attachments. The message is built with the standard
library's `email` package under the SMTP policy: CRLF line ends, non-ASCII subjects and file
names encoded as RFC 2047 / RFC 2231 words, so a Korean subject arrives intact. SES takes at
most 50 recipients and 10 MB per message: recipients are sent in groups of 50, one message per
group with that group in `To:`, and a message over the size limit is refused before it is sent.
Credentials come from boto3's default chain (IRSA in the cluster); `endpoint_url` points the
client at moto in tests. botocore retries throttling and 5xx itself (standard mode, 3 attempts);
what is left is raised as an `IntegrationError`.
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

import boto3
import botocore.config

from integrations.aws import aws_errors
from integrations.errors import NotConfigured, Rejected

SYSTEM = "ses"
MAX_RECIPIENTS = 50
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


def build_message(
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    attachments: Sequence[Attachment] = (),
    html: str | None = None,
    message_id_domain: str | None = None,
) -> EmailMessage:
    """The MIME message: text (and HTML) body, then the attachments."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid(domain=message_id_domain)
    # base64 rather than 8bit: survives every relay (and moto) byte for byte.
    msg.set_content(text, charset="utf-8", cte="base64")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    for a in attachments:
        maintype, _, subtype = a.mime_type.partition("/")
        msg.add_attachment(
            a.content, maintype=maintype, subtype=subtype or "octet-stream", filename=a.filename
        )
    return msg


class SesClient:
    def __init__(
        self,
        *,
        region: str,
        sender: str,
        endpoint_url: str | None = None,
        timeout: float = 30.0,
        session: boto3.Session | None = None,
        build: Callable[..., EmailMessage] = build_message,
    ) -> None:
        if not region or not sender:
            raise NotConfigured(SYSTEM, "set AWS_SES_REGION and AWS_SES_FROM_EMAIL")
        self.sender = sender
        self._build = build
        config = botocore.config.Config(
            connect_timeout=min(timeout, 10.0),
            read_timeout=timeout,
            retries={"mode": "standard", "total_max_attempts": 3},
            user_agent_extra="bravo-monitoring-pack",
        )
        session = session or boto3.Session()
        self._client = session.client(
            "ses", region_name=region, endpoint_url=endpoint_url or None, config=config
        )

    def send(
        self,
        to: Sequence[str],
        subject: str,
        text: str,
        attachments: Sequence[Attachment] = (),
        html: str | None = None,
    ) -> list[str]:
        """Send to every address; returns SES's message IDs, one per group of 50 recipients."""
        recipients = [a.strip() for a in to if a and a.strip()]
        if not recipients:
            raise NotConfigured(SYSTEM, "no recipients (TEAM_EMAILS is empty)")
        ids = []
        for i in range(0, len(recipients), MAX_RECIPIENTS):
            group = recipients[i : i + MAX_RECIPIENTS]
            raw = self._build(self.sender, group, subject, text, attachments, html).as_bytes()
            if len(raw) > MAX_MESSAGE_BYTES:
                raise Rejected(
                    SYSTEM,
                    f"message is {len(raw) / 1e6:.1f} MB, over SES's 10 MB limit for raw e-mail",
                )
            with aws_errors(SYSTEM):
                # No `Destinations`: SES then sends to the message's own To: header (moto
                # would count both against the 50-recipient limit).
                resp = self._client.send_raw_email(Source=self.sender, RawMessage={"Data": raw})
            ids.append(str(resp.get("MessageId", "")))
        return ids

    def close(self) -> None:
        self._client.close()
