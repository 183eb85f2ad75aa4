"""requirements.lock, what the image installs: every entry pinned and hashed, every requirement of
setup.cfg satisfied by it, its floors past the advisories setup.cfg names, and the Dockerfile's
install steps working from it in a fresh Python 3.11 (wheels only, hash-checked).

Nothing here resolves against PyPI's newest releases, so a new release cannot break CI: the lock
only changes when someone runs scripts/lock.sh. The last test downloads the locked files.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parents[1]
LOCK = ROOT / "requirements.lock"
# Floors that keep known-vulnerable releases out (setup.cfg says which advisory each is for).
ADVISORY_FLOORS = {
    "requests": "2.33.0",
    "jinja2": "3.1.6",
    "gunicorn": "23",
    "flask": "3.1.3",
    "werkzeug": "3.1.6",
    "urllib3": "2.7.0",
    "pypdf": "6.15.0",
    "pillow": "12.3.0",
    "xhtml2pdf": "0.2.23",
    "kubernetes": "35",
}


def install_requires() -> list[Requirement]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = cfg["options"]["install_requires"].splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def locked() -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, sha256 hashes), from pip-compile's output."""
    text = re.sub(r"\\\n\s*", " ", LOCK.read_text())  # join continuation lines
    out: dict[str, tuple[Version, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert m, f"not a pinned, hashed requirement: {line[:80]}"
        hashes = re.findall(r"sha256:([0-9a-f]{64})", m.group(3))
        out[canonicalize_name(m.group(1))] = (Version(m.group(2)), hashes)
    return out


def test_every_lock_entry_is_pinned_and_hashed():
    lock = locked()
    assert len(lock) >= len(install_requires())
    assert all(hashes for _, hashes in lock.values())


def test_lock_satisfies_every_requirement_of_setup_cfg():
    lock = locked()
    for req in install_requires():
        name = canonicalize_name(req.name)
        assert name in lock, f"{req} is not in requirements.lock: run scripts/lock.sh"
        version = lock[name][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {name}=={version}, setup.cfg wants {req}: run scripts/lock.sh"
        )


def test_floors_are_past_the_known_advisories():
    reqs = {canonicalize_name(r.name): r for r in install_requires()}
    for name, floor in ADVISORY_FLOORS.items():
        lows = [Version(s.version) for s in reqs[name].specifier if s.operator == ">="]
        assert lows, f"{name}: no floor"
        assert max(lows) >= Version(floor), f"{name}: floor {max(lows)} below {floor}"
        assert locked()[name][0] >= Version(floor)


def test_dockerfile_installs_only_from_the_lock():
    text = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert len(froms) == 2
    for image in froms:
        assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", image), image
    runs = " ".join(re.findall(r"^RUN (.*?)(?<!\\)$", text, flags=re.M | re.S))
    assert "--require-hashes --only-binary=:all:" in runs
    assert "-r requirements.lock" in runs
    assert "-r /wheels/requirements.lock" in runs
    # the only other installs: our own wheel, without dependencies
    installs = re.findall(r"pip install ([^&]*)", runs)
    assert len(installs) == 2
    assert "--require-hashes" in installs[0]
    assert "--no-deps" in installs[1]
    assert "bravo_monitoring_pack-" in installs[1]


def _run(*cmd: str | Path, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.mark.integration
@pytest.mark.timeout(900)
@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the lock is for the image's 3.11")
def test_the_dockerfile_steps_install_the_pack_from_the_lock(tmp_path):
    """The Dockerfile's pip commands, in two fresh virtualenvs standing in for its two stages."""
    wheels = tmp_path / "wheels"
    build = tmp_path / "build"
    _run(sys.executable, "-m", "venv", build)
    # the base image's build tools (Dockerfile: "setuptools 79.0.1, wheel 0.46.3")
    _run(build / "bin/pip", "install", "-q", "setuptools==79.0.1", "wheel==0.46.3")
    _run(
        build / "bin/pip",
        "download",
        "-q",
        "--no-deps",
        "--require-hashes",
        "--only-binary=:all:",
        "--dest",
        wheels,
        "-r",
        LOCK,
    )
    src = tmp_path / "src"
    src.mkdir()
    files = _run("git", "ls-files", "setup.cfg", "pyproject.toml", "README.md", cwd=ROOT).split()
    # the packages the Dockerfile copies in, so the image and this replay cannot drift apart
    packages = re.findall(r"^COPY (\w+) \1$", (ROOT / "Dockerfile").read_text(), re.M)
    assert "runtime" in packages
    for package in packages:
        files += _run("git", "ls-files", package, cwd=ROOT).split()
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes((ROOT / name).read_bytes())
    _run(
        build / "bin/pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--wheel-dir",
        wheels,
        ".",
        cwd=src,
    )
    final = tmp_path / "final"
    _run(sys.executable, "-m", "venv", final)
    pip = final / "bin/pip"
    _run(pip, "install", "-q", "--no-index", "--find-links", wheels, "--require-hashes", "-r", LOCK)
    (ours,) = wheels.glob("bravo_monitoring_pack-*.whl")
    _run(pip, "install", "-q", "--no-index", "--no-deps", ours)
    _run(pip, "check")  # every requirement of every installed package, transitively, is there
    frozen = {
        canonicalize_name(n): Version(v)
        for n, v in re.findall(r"^(\S+)==(\S+)$", _run(pip, "freeze", "--all"), flags=re.M)
    }
    for name, (version, _) in locked().items():
        assert frozen[name] == version, name
    for command in ("healthcheck-exporter", "alert-receiver", "reporter"):
        assert "usage:" in _run(final / "bin" / command, "--help", cwd=tmp_path)
    _run(final / "bin/python", "-c", "import reporter.pdf, alert_receiver.serve", cwd=tmp_path)
