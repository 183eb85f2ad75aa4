#!/usr/bin/env bash
# Runs the whole pack locally on 127.0.0.1 (see demo/run.py); Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python demo/run.py "$@"
