#!/usr/bin/env bash
# Runs every check CI runs: lint, format, types, generated-file staleness, and the whole pytest
# suite (unit tests and integration tests against real Prometheus, HAProxy, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH:/usr/sbin"
ruff check .
ruff format --check .
mypy                        # the packages' types ([tool.mypy] in pyproject.toml)
python -m rules --check     # generated rule files and the PrometheusRule are current
python -m grafana --check   # dashboard JSON, provider file and ConfigMaps are current
pytest "$@"
