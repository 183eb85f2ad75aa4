"""Helpers shared by the rules tests (a module of its own so test files can import it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from rules.config import DEFAULT_CONFIG

TESTDATA = Path(__file__).parent / "testdata"
REPO_ROOT = DEFAULT_CONFIG.parent.parent


def find_promtool() -> str | None:
    for candidate in (shutil.which("promtool"), "/usr/bin/promtool"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def shipped_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def patched(data: dict[str, Any], set_: dict[str, Any], delete: list[str]) -> dict[str, Any]:
    """Apply `section.key: value` changes and deletions (dotted paths) to a config mapping."""
    for path, value in set_.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    for path in delete:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]
    return data
