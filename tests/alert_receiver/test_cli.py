"""The `alert-receiver` command line."""

from __future__ import annotations

import subprocess
import sys

from alert_receiver.cli import main
from tests.alert_receiver.daemons import ReceiverProcess


def test_refuses_to_start_without_a_token(monkeypatch, capsys):
    monkeypatch.delenv("ALERT_RECEIVER_TOKEN", raising=False)
    monkeypatch.delenv("ALERT_RECEIVER_TOKEN_FILE", raising=False)
    assert main(["--check-config"]) == 2
    assert "refusing to accept unauthenticated webhooks" in capsys.readouterr().err


def test_check_config_and_bad_settings(monkeypatch, capsys):
    monkeypatch.setenv("ALERT_RECEIVER_TOKEN", "t")
    assert main(["--check-config"]) == 0
    monkeypatch.setenv("LOKI_TIMEOUT", "never")
    assert main(["--check-config"]) == 2
    assert "LOKI_TIMEOUT" in capsys.readouterr().err


def test_insecure_demo_mode_warns_loudly(tmp_path):
    env = {"ALERT_RECEIVER_DB": str(tmp_path / "q.db"), "SLACK_SINK": str(tmp_path / "s.jsonl")}
    r = ReceiverProcess(env, "--insecure-no-auth")
    try:
        assert any("--insecure-no-auth" in line and "level=warning" in line for line in r.log)
    finally:
        assert r.terminate() == 0


def test_version():
    out = subprocess.run(
        [sys.executable, "-m", "alert_receiver", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("alert-receiver 0.1.0")
