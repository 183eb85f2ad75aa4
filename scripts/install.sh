#!/usr/bin/env bash
# Installs what the pack needs on a fresh Debian (bookworm) machine: the Debian packages that give
# the real daemons the tests and the demo run (Prometheus, promtool, HAProxy, ...), and a virtualenv
# in .venv with this package and its test tools. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# command-on-PATH:debian-package. Later components append theirs here.
DEBIAN_NEEDS=(
  prometheus:prometheus
  promtool:prometheus
  haproxy:haproxy
  prometheus-alertmanager:prometheus-alertmanager
  amtool:prometheus-alertmanager
  redis-server:redis-server
  prometheus-node-exporter:prometheus-node-exporter
  node:nodejs
  npm:npm
  pdftotext:poppler-utils
  pdftoppm:poppler-utils
  # VictoriaMetrics 1.79 and vmalert, for the second-store tests (tests/integration). Its own
  # service (:8428, /var/lib/victoria-metrics) is left alone: the tests start theirs on free
  # loopback ports with temporary data folders.
  victoria-metrics:victoria-metrics
  vmalert:victoria-metrics
)
# `install.sh --docs`: also what renders the docs' pictures (docs/render_slack_message.py): headless
# Chromium and the colour emoji font, so the pictures show Slack's emoji instead of empty boxes.
# Only for whoever redraws them: CI and the demo do not need a browser.
DOCS=0
if [ "${1:-}" = "--docs" ]; then
  DOCS=1
  shift
  DEBIAN_NEEDS+=(chromium:chromium)
fi
DEBIAN_NEEDS+=("$@")

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for need in "${DEBIAN_NEEDS[@]}"; do
  cmd=${need%%:*} pkg=${need#*:}
  command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$cmd" >/dev/null 2>&1 \
    || missing+=("$pkg")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv python3-pip)
# The reports embed Korean text from NanumGothic (a font: no command to look for).
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)
if [ "$DOCS" = 1 ]; then
  [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
if [ ${#missing[@]} -gt 0 ]; then
  echo "install: Debian packages: ${missing[*]}" >&2
  sudo_if_needed apt-get update -qq
  # Where systemd runs, Debian starts these packages' own services; the demo and the tests start
  # their own instances, on other loopback ports, and leave those alone.
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# (this machine's pip config names extra local indexes that may be absent: drop that noise)
# First the image's exact, hash-checked dependencies (requirements.lock), so the tests run the
# versions that ship; then the package and its test tools, which keep those where they can.
.venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes \
  -r requirements.lock 2> >(grep -v '^WARNING: Location' >&2)
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' \
  2> >(grep -v '^WARNING: Location' >&2)
# Grafana's LogQL grammar, for the dashboards' LogQL check (versions pinned in the lock file).
npm ci --prefix grafana/logql-check --no-audit --no-fund --silent
