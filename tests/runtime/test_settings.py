"""runtime.settings and runtime.durations: the one reader of settings, the one duration parser."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from runtime.durations import is_prometheus_duration, parse_duration
from runtime.settings import SettingsError, describe_env, secret, setting, settings_from_env


@dataclass(frozen=True)
class Example:
    region: str = setting("AWS_REGION", "", aliases=("AWS_DEFAULT_REGION",))
    timeout: float = setting("EXAMPLE_TIMEOUT", 5.0, parse_duration)
    token: str = secret("EXAMPLE_TOKEN")

    def problems(self) -> list[str]:
        return []


def test_aliases_secret_files_and_empty_values(tmp_path):
    token = tmp_path / "token"
    token.write_text("from-file\n")
    s = settings_from_env(
        Example,
        {
            "AWS_DEFAULT_REGION": "ap-northeast-2",
            "EXAMPLE_TIMEOUT": "",  # a ConfigMap key left blank: the default
            "EXAMPLE_TOKEN": "from-env",
            "EXAMPLE_TOKEN_FILE": str(token),  # the mounted file wins
        },
    )
    assert (s.region, s.timeout, s.token) == ("ap-northeast-2", 5.0, "from-file")
    assert "from-file" not in repr(s)
    assert settings_from_env(Example, {"AWS_REGION": "us-east-1"}).region == "us-east-1"


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(SettingsError) as e:
        settings_from_env(
            Example, {"EXAMPLE_TIMEOUT": "soon", "EXAMPLE_TOKEN_FILE": str(tmp_path / "none")}
        )
    assert len(e.value.problems) == 2
    assert "EXAMPLE_TIMEOUT: not a duration: 'soon'" in str(e.value)
    assert "EXAMPLE_TOKEN_FILE: cannot read" in str(e.value)


def test_describe_env_lists_variables_defaults_and_secrets():
    assert describe_env(Example) == [
        ("AWS_REGION", "", False),
        ("EXAMPLE_TIMEOUT", "5.0", False),
        ("EXAMPLE_TOKEN", "", True),
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("250ms", 0.25), ("1.5s", 1.5), ("5m", 300), ("1h30m", 5400), ("14d", 1209600), ("12", 12)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "ok"),
    [("15m", True), ("1h30m", True), ("90", False), ("1.5m", False), ("30m1h", False), ("", False)],
)
def test_prometheus_durations_are_stricter(text, ok):
    assert is_prometheus_duration(text) is ok
