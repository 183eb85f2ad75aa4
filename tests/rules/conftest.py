"""Shared fixtures for the rules tests: promtool, the shipped config, and a bad-config writer.

promtool comes from Debian's `prometheus` package (scripts/install.sh installs it). Without it
the promtool tests skip on a developer's machine and fail in CI (CI set), where a skip would hide
that the rules were never checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rules_testkit import find_promtool, patched, shipped_data

from rules.config import RulesConfig, load_config


@pytest.fixture(scope="session")
def promtool() -> str:
    path = find_promtool()
    if path is None:
        reason = "promtool not found on PATH or at /usr/bin/promtool (Debian package prometheus)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def shipped() -> RulesConfig:
    return load_config()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write the shipped config with changes to tmp_path/config.yaml and return its path."""

    def write(set_: dict[str, Any] | None = None, delete: list[str] | None = None) -> Path:
        data = patched(shipped_data(), set_ or {}, delete or [])
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
