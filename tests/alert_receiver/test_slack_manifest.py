"""The Slack app manifest in alert_receiver/README.md is ready to paste: valid YAML, with what the
receiver calls and what its transports need."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

README = Path(__file__).parents[2] / "alert_receiver" / "README.md"


def manifest() -> dict:
    section = README.read_text(encoding="utf-8").split("## Acting from Slack", 1)[1]
    [block] = re.findall(r"```yaml\n(.*?)```", section.split("\n## ", 1)[0], flags=re.DOTALL)
    return yaml.safe_load(block)


def test_the_manifest_has_what_the_receiver_uses():
    m = manifest()
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    # chat.postMessage/update, history look-ups, conversations.list, usergroups.users.list, /bravo
    assert {
        "chat:write",
        "channels:history",
        "channels:read",
        "usergroups:read",
        "commands",
    } <= scopes
    assert m["settings"]["socket_mode_enabled"] is True
    assert m["settings"]["interactivity"]["is_enabled"] is True
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/bravo"
    assert "url" not in command  # Socket Mode: no public URL
