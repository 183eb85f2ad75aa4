"""AWS credentials: a key pair from files mounted from a Secret (`<NAME>_FILE`), as the manifests
give them to the receiver and the reporter, else boto3's default chain."""

from __future__ import annotations

import pytest

from alert_receiver.settings import Settings as ReceiverSettings
from integrations.aws import aws_session
from reporter.settings import Settings as ReporterSettings
from runtime.settings import SettingsError

BASE = {"PROMETHEUS_URL": "http://prometheus.bravo-monitoring-ns:9090"}
SETTINGS = [ReceiverSettings, ReporterSettings]


@pytest.mark.parametrize("settings", SETTINGS)
def test_key_pair_from_files(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENVIRONMENT")
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "AKIAFROMFILE0000000\n"),
        ("AWS_SECRET_ACCESS_KEY", "secret-from-file\n"),
    ):
        (tmp_path / name).write_text(value)
    s = settings.from_env(
        {
            **BASE,
            "AWS_ACCESS_KEY_ID_FILE": str(tmp_path / "AWS_ACCESS_KEY_ID"),
            "AWS_SECRET_ACCESS_KEY_FILE": str(tmp_path / "AWS_SECRET_ACCESS_KEY"),
        }
    )
    assert "secret-from-file" not in repr(s)
    creds = aws_session(s).get_credentials()
    assert (creds.access_key, creds.secret_key, creds.token) == (
        "AKIAFROMFILE0000000",
        "secret-from-file",
        None,
    )


@pytest.mark.parametrize("settings", SETTINGS)
def test_half_a_key_pair_is_refused(settings, tmp_path):
    (tmp_path / "id").write_text("AKIAFROMFILE0000000")
    with pytest.raises(SettingsError, match="AWS_SECRET_ACCESS_KEY"):
        settings.from_env({**BASE, "AWS_ACCESS_KEY_ID_FILE": str(tmp_path / "id")})


@pytest.mark.parametrize("settings", SETTINGS)
def test_empty_files_leave_the_default_chain(settings, tmp_path, monkeypatch):
    """The Secret's AWS keys exist but are empty where IRSA / Pod Identity is used."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIADEFAULTCHAIN000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-chain")
    (tmp_path / "empty").write_text("")
    s = settings.from_env(
        {
            **BASE,
            "AWS_ACCESS_KEY_ID_FILE": str(tmp_path / "empty"),
            "AWS_SECRET_ACCESS_KEY_FILE": str(tmp_path / "empty"),
        }
    )
    assert (s.aws_access_key_id, s.aws_secret_access_key) == ("", "")
    creds = aws_session(s).get_credentials()
    assert (creds.access_key, creds.method) == ("AKIADEFAULTCHAIN000", "env")
