"""rules/README.md stays the reference: it names every alert, recording rule and config key, and
its Alertmanager example is a valid Alertmanager config."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rules_testkit import REPO_ROOT, shipped_data

from rules.config import RulesConfig
from rules.generate import build_groups
from rules.model import Alert

README = (REPO_ROOT / "rules" / "README.md").read_text(encoding="utf-8")


def test_readme_tables_name_every_alert_and_recording_rule(shipped: RulesConfig) -> None:
    for group in build_groups(shipped):
        for rule in group.rules:
            name = rule.name if isinstance(rule, Alert) else rule.record
            assert f"| `{name}`" in README, name
            if isinstance(rule, Alert):
                row = next(line for line in README.splitlines() if line.startswith(f"| `{name}`"))
                assert f"| {rule.for_} |" in row, (name, rule.for_)


def test_readme_config_reference_names_every_key() -> None:
    def keys(data: dict, prefix: str = "") -> list[str]:
        found = []
        for key, value in data.items():
            if prefix in (
                "for.",
                "dashboards.files.",
                "prometheusrule.labels.",
                "pack.reporter_cronjobs.",
            ):
                continue  # documented as families: for.<AlertName>, dashboards.files.<key>, ...
            if isinstance(value, dict):
                found += keys(value, f"{prefix}{key}.")
            else:
                found.append(f"{prefix}{key}")
        return found

    for key in keys(shipped_data()):
        stem = re.sub(r"_(WARNING|CRITICAL)$", "_WARNING", key)
        assert f"`{stem}" in README, key


def test_alertmanager_example_is_a_valid_config(tmp_path: Path) -> None:
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool not installed (Debian package prometheus-alertmanager)")
    block = README.split("<!-- alertmanager-example -->", 1)[1]
    config = block.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "alertmanager.yml"
    path.write_text(config, encoding="utf-8")
    result = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
