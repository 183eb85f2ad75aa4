"""A real moto server (`moto_server`, moto's own SES implementation) on 127.0.0.1 for SES tests.

Not a fake of ours: boto3 signs and sends real SES API calls to it through `endpoint_url`.
`messages()` reads what it accepted (raw MIME included) from moto's `/moto-api/data.json`.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.helpers import free_port, stop, wait_http

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
REGION = "ap-northeast-2"


def moto_server_binary() -> str:
    found = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    if Path(found).exists():
        return found
    if os.environ.get("CI"):
        pytest.fail("moto[server] is not installed; setup.cfg's test extras install it")
    pytest.skip("moto[server] is not installed (pip install -e '.[test]')")


class MotoServer:
    def __init__(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [moto_server_binary(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_http(f"{self.url}/moto-api/", timeout=30)
        except OSError:
            stop(self.proc)
            raise

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    def fresh(self, sender: str) -> None:
        """Nothing sent yet, and `sender` verified: what SES needs before it accepts a mail."""
        self.reset()
        import boto3

        keys = {key.lower(): value for key, value in CREDENTIALS.items()}
        admin = boto3.client("ses", region_name=REGION, endpoint_url=self.url, **keys)
        admin.verify_email_identity(EmailAddress=sender)
        admin.close()

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """(destinations, parsed message) of every raw e-mail SES accepted, oldest first."""
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=10) as resp:
            data = json.load(resp)
        out = []
        for raw in data.get("ses", {}).get("RawMessage", []):
            msg = email.message_from_string(raw["raw_data"], policy=email.policy.default)
            out.append((sorted(set(raw["destinations"])), msg))
        return out

    def close(self) -> None:
        stop(self.proc)
