"""The settings of acting from Slack: the app token's kind, the user group's form, and actions
off without the Web API."""

from __future__ import annotations

import pytest

from alert_receiver.cli import main
from alert_receiver.settings import Settings
from runtime.settings import SettingsError

BOT = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CHANNEL": "C0123"}


def test_which_transports_are_on():
    assert Settings.from_env({**BOT, "SLACK_APP_TOKEN": "xapp-1-A"}).slack_actions == "socket"
    assert Settings.from_env({**BOT, "SLACK_SIGNING_SECRET": "s"}).slack_actions == "http"
    both = {**BOT, "SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"}
    assert Settings.from_env(both).slack_actions == "socket+http"
    assert Settings.from_env(BOT).slack_actions == "off"
    hook = {"SLACK_WEBHOOK_URL": "https://hooks.example/x", "SLACK_APP_TOKEN": "xapp-1"}
    assert Settings.from_env(hook).slack_actions == "off"  # no Web API: no actions


def test_bad_values_are_named():
    with pytest.raises(SettingsError) as err:
        Settings.from_env(
            {**BOT, "SLACK_APP_TOKEN": "xoxb-oops", "SLACK_ALLOWED_USERGROUP": "oncall"}
        )
    text = str(err.value)
    assert "SLACK_APP_TOKEN: expected an app-level token starting with xapp-" in text
    assert "SLACK_ALLOWED_USERGROUP: expected a user group ID such as S0123ABCD" in text
    assert "xoxb-oops" not in text  # a secret is never echoed


def test_the_app_token_from_a_mounted_file(tmp_path):
    (tmp_path / "app").write_text("xapp-from-file\n")
    s = Settings.from_env({**BOT, "SLACK_APP_TOKEN_FILE": str(tmp_path / "app")})
    assert s.slack_app_token == "xapp-from-file"
    assert "xapp-from-file" not in repr(s)


def test_check_config_says_how_slack_reaches_the_receiver(monkeypatch, capsys):
    for k, v in {**BOT, "ALERT_RECEIVER_TOKEN": "t", "SLACK_APP_TOKEN": "xapp-1"}.items():
        monkeypatch.setenv(k, v)
    assert main(["--check-config"]) == 0
    assert "slack actions socket" in capsys.readouterr().out


def test_an_action_transport_without_the_bot_token_warns_and_leaves_actions_off(
    monkeypatch, capsys
):
    """Alerts still flow through the webhook: the start goes on, and the log says why no
    buttons come (README, "Acting from Slack")."""
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    env = {
        "ALERT_RECEIVER_TOKEN": "t",
        "SLACK_WEBHOOK_URL": "https://hooks.example/x",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_SIGNING_SECRET": "s",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert main(["--check-config"]) == 0
    out, err = capsys.readouterr()
    assert "slack actions off" in out
    assert "level=warning" in err
    assert "acting from Slack needs SLACK_BOT_TOKEN" in err
    assert "actions are off" in err
