"""`python -m grafana`: regenerate the dashboards from rules/config.yaml, or check they are current.

Like `python -m rules`, the committed files come from the config file alone; `--env` applies the
old ConfigMap's variables (CPU_THRESHOLD_WARNING, ..., GRAFANA_URL) on top for a deployment that
still sets them, and `--check` then reports the committed files as stale, as it should.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from grafana.generate import (
    DASHBOARD_DIR,
    K8S_DIR,
    PROVISIONING_PATH,
    render_all,
    stale_files,
    write_files,
)
from grafana.settings import settings_from
from rules.config import DEFAULT_CONFIG, ConfigError, load_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grafana",
        description="Generate the Grafana dashboards, their provisioning file and ConfigMaps.",
    )
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="rules config file (%(default)s)"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=DASHBOARD_DIR, help="dashboard JSON directory (%(default)s)"
    )
    parser.add_argument(
        "--provisioning",
        type=Path,
        default=PROVISIONING_PATH,
        help="Grafana dashboard provider file (%(default)s)",
    )
    parser.add_argument(
        "--k8s-dir", type=Path, default=K8S_DIR, help="ConfigMap directory (%(default)s)"
    )
    parser.add_argument(
        "--env",
        action="store_true",
        help="let CPU_THRESHOLD_WARNING and the other old ConfigMap variables override the file",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and list the stale files"
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Exit 0 when done (or current), 1 when stale (--check), 2 when the config is invalid."""
    args = _parser().parse_args(argv)
    env = (os.environ if environ is None else environ) if args.env else None
    try:
        cfg = load_config(args.config, environ=env)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    files = render_all(settings_from(cfg), args.out_dir, args.provisioning, args.k8s_dir)
    if args.check:
        stale = stale_files(files, args.out_dir, args.k8s_dir)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run `python -m grafana` and commit the result", file=sys.stderr)
        return 1 if stale else 0
    for path in write_files(files, args.out_dir, args.k8s_dir):
        print(f"{'wrote' if path in files else 'removed'} {path}")
    return 0
