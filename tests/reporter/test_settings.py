"""Settings.from_env: defaults, secrets from files, every problem at once, and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reporter.settings import Settings
from runtime.settings import SettingsError, describe_env

README = Path(__file__).parents[2] / "reporter" / "README.md"
BASE = {"PROMETHEUS_URL": "http://prometheus.bravo-monitoring-ns:9090"}


def test_defaults():
    s = Settings.from_env(BASE)
    assert s.language == "ko"
    assert s.timezone == "Asia/Seoul"
    assert s.slack_api_url == "https://slack.com/api/"
    assert not s.slack_enabled
    assert not s.email_enabled
    assert not s.bedrock_enabled


def test_secret_from_file_and_lists(tmp_path):
    (tmp_path / "token").write_text("xoxb-from-file\n")
    s = Settings.from_env(
        {
            **BASE,
            "SLACK_BOT_TOKEN": "xoxb-ignored",
            "SLACK_BOT_TOKEN_FILE": str(tmp_path / "token"),
            "SLACK_CHANNEL": "C0REPORTS",
            "TEAM_EMAILS": "a@example.com, b@example.com;c@example.com",
            "AWS_SES_REGION": "ap-northeast-2",
            "AWS_SES_FROM_EMAIL": "r@example.com",
        }
    )
    assert s.slack_bot_token == "xoxb-from-file"
    assert "xoxb" not in repr(s)
    assert s.team_emails == ("a@example.com", "b@example.com", "c@example.com")
    assert s.slack_enabled
    assert s.email_enabled


def test_every_problem_at_once():
    with pytest.raises(SettingsError) as e:
        Settings.from_env(
            {
                "REPORT_LANGUAGE": "fr",
                "REPORT_TIMEZONE": "Mars/Olympus",
                "SLACK_BOT_TOKEN": "xoxb-1",
                "TEAM_EMAILS": "not-an-address",
                "BEDROCK_REPORT_AGENT_ID": "AGENT",
                "REPORT_DELIVERY_RECORD": "somewhere",
            }
        )
    text = str(e.value)
    for name in (
        "PROMETHEUS_URL",
        "REPORT_LANGUAGE",
        "REPORT_TIMEZONE",
        "SLACK_CHANNEL",
        "TEAM_EMAILS",
        "BEDROCK_REPORT_AGENT_ALIAS_ID",
        "REPORT_DELIVERY_RECORD",
    ):
        assert name in text, name


def test_channel_names_are_refused_for_file_uploads():
    with pytest.raises(SettingsError, match="channel ID"):
        Settings.from_env({**BASE, "SLACK_BOT_TOKEN": "x", "SLACK_CHANNEL": "#reports"})


def test_readme_lists_every_variable_with_its_default():
    text = README.read_text(encoding="utf-8")
    cell = r"((?:[^|\\]|\\\|)*)"  # a table cell; `\|` is a pipe inside it
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \|" + cell + r"\|", text, flags=re.M))
    for name, default, secret in describe_env(Settings):
        assert name in rows, f"{name} is missing from reporter/README.md"
        shown = rows[name].strip().strip("`").replace("\\|", "|")
        if default and not secret:
            assert shown == default, f"{name}: README says {shown!r}, code {default!r}"
