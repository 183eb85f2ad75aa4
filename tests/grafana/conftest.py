"""Fixtures for the dashboard tests: the shipped settings, the dashboards as JSON data, and a
config writer for tests that change a threshold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from grafana import GrafanaSettings, build_all, settings_from
from grafana.sdk import to_data
from rules.config import DEFAULT_CONFIG, load_config


@pytest.fixture(scope="session")
def shipped() -> GrafanaSettings:
    return settings_from(load_config())


@pytest.fixture(scope="session")
def dashboards(shipped: GrafanaSettings) -> dict[str, dict[str, Any]]:
    """Dashboard key -> JSON data, as written to grafana/generated/."""
    return {key: to_data(d) for key, d in build_all(shipped).items()}


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write the shipped config with `section.key: value` changes; returns its path."""

    def write(changes: dict[str, Any]) -> Path:
        data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
        for dotted, value in changes.items():
            *parents, last = dotted.split(".")
            node = data
            for key in parents:
                node = node[key]
            node[last] = value
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
