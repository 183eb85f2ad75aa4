#!/usr/bin/env bash
# Regenerates requirements.lock, the exact versions (and the sha256 of every file PyPI has for
# each) that the image installs with `pip install --require-hashes`. Run it after changing
# install_requires in setup.cfg, and to take new releases:
#
#   bash scripts/lock.sh                       # keep the pins that still fit setup.cfg
#   bash scripts/lock.sh --upgrade             # newest allowed versions of everything
#   bash scripts/lock.sh --upgrade-package X   # just X (and what it needs)
#
# Resolves for the Python the image runs (3.11 on linux/amd64), from PyPI only: this machine's
# pip configuration (extra indexes, find-links) is ignored so the lock names no local files.
# tests/test_lock.py checks the result against setup.cfg; CI never regenerates it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/pip-compile ] || bash scripts/install.sh
.venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "lock: run with Python 3.11, the image's (python:3.11-slim-bookworm)" >&2; exit 1; }
PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS='' PIP_EXTRA_INDEX_URL='' \
  CUSTOM_COMPILE_COMMAND='bash scripts/lock.sh' \
  .venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --output-file requirements.lock "$@" setup.cfg
