"""`python -m rules`: regenerate the rule files from rules/config.yaml, or check they are current.

The committed files come from the config file alone, so they do not depend on who ran the
generator. `--env` applies the old ConfigMap's environment variables (CPU_THRESHOLD_WARNING, ...,
GRAFANA_URL) on top, for a deployment that still sets them; its output names the overrides in its
header, and `--check` then reports the committed files as stale, as it should.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from rules.config import DEFAULT_CONFIG, ConfigError, load_config
from rules.generate import GENERATED_DIR, PROMETHEUSRULE_PATH, render_all, stale_files, write_files


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rules",
        description="Generate Prometheus rule files and a PrometheusRule from rules/config.yaml.",
    )
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="config file (%(default)s)"
    )
    parser.add_argument(
        "--out-dir", type=Path, default=GENERATED_DIR, help="rule files directory (%(default)s)"
    )
    parser.add_argument(
        "--prometheusrule",
        type=Path,
        default=PROMETHEUSRULE_PATH,
        help="PrometheusRule output file (%(default)s)",
    )
    parser.add_argument(
        "--env",
        action="store_true",
        help="let CPU_THRESHOLD_WARNING and the other old ConfigMap variables override the file",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the files that are stale",
    )
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = (os.environ if environ is None else environ) if args.env else None
    try:
        cfg = load_config(args.config, environ=env)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    files = render_all(cfg, args.out_dir, args.prometheusrule)
    if args.check:
        stale = stale_files(files, args.out_dir)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run `python -m rules` and commit the result", file=sys.stderr)
        return 1 if stale else 0
    for path in write_files(files, args.out_dir):
        print(f"{'wrote' if path in files else 'removed'} {path}")
    return 0
