"""README.md's "Layout" section names every top-level folder of the repository, so a new
component cannot arrive without a line saying what it holds."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def layout_folders() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return set(re.findall(r"^([\w.-]+)/", block, flags=re.MULTILINE))


def tracked_folders() -> set[str]:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: no list of tracked folders")
    out = subprocess.run(
        [git, "ls-files"], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    folders = {line.split("/", 1)[0] for line in out.splitlines() if "/" in line}
    return {name for name in folders if not name.startswith(".")}  # .ci/: the README says it


def test_layout_lists_every_top_level_folder() -> None:
    assert tracked_folders() <= layout_folders()


def test_layout_lists_no_folder_that_is_gone() -> None:
    assert {name for name in layout_folders() if not (REPO / name).is_dir()} == set()
