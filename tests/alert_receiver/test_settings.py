"""Settings.from_env: every problem at once, secrets from files, README lists every variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from alert_receiver.settings import Settings
from runtime.settings import SettingsError, describe_env, parse_duration


def test_defaults():
    s = Settings.from_env({})
    assert (s.db_path, s.timezone, s.max_body_bytes) == (
        "./alert_receiver.db",
        "Asia/Seoul",
        4 << 20,
    )
    assert s.slack_mode == "sink"
    assert not s.bedrock_enabled
    assert s.slack_api_url == "https://slack.com/api/"
    # A page is posted at once; other alerts wait up to 1.5 s for their log lines.
    assert (s.first_post_wait_critical, s.first_post_wait) == (0.0, 1.5)


def test_all_problems_reported_at_once():
    with pytest.raises(SettingsError) as err:
        Settings.from_env(
            {
                "LOKI_TIMEOUT": "soon",
                "LOKI_URL": "loki:3100",
                "REPORT_TIMEZONE": "Mars/Olympus",
                "SLACK_BOT_TOKEN": "xoxb-1",
                "BEDROCK_ANALYSIS_AGENT_ID": "A",
            }
        )
    text = str(err.value)
    for needle in ("LOKI_TIMEOUT", "LOKI_URL", "REPORT_TIMEZONE", "SLACK_CHANNEL", "ALIAS_ID"):
        assert needle in text


def test_secrets_from_files_win_and_region_falls_back(tmp_path):
    (tmp_path / "slack").write_text("xoxb-from-file\n")
    s = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-env",
            "SLACK_BOT_TOKEN_FILE": str(tmp_path / "slack"),
            "SLACK_CHANNEL": "C1",
            "AWS_DEFAULT_REGION": "ap-northeast-2",
        }
    )
    assert s.slack_bot_token == "xoxb-from-file"
    assert s.aws_region == "ap-northeast-2"
    assert "xoxb" not in repr(s)


@pytest.mark.parametrize(
    ("text", "seconds"), [("1.5s", 1.5), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25), ("12", 12)]
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_readme_documents_every_variable():
    readme = (Path(__file__).parents[2] / "alert_receiver" / "README.md").read_text()
    missing = [env for env, _default, _secret in describe_env(Settings) if f"`{env}`" not in readme]
    assert missing == []


def test_buttons_need_a_bot_token_and_a_way_back_from_slack():
    bot = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CHANNEL": "C0ALERTS"}
    assert not Settings.from_env(bot).slack_buttons
    assert Settings.from_env({**bot, "SLACK_APP_TOKEN": "xapp-1"}).slack_buttons
    assert Settings.from_env({**bot, "SLACK_SIGNING_SECRET": "abc"}).slack_buttons
    hook = {"SLACK_WEBHOOK_URL": "https://hooks.example/x", "SLACK_APP_TOKEN": "xapp-1"}
    assert not Settings.from_env(hook).slack_buttons
