"""`python -m rules`: regenerate the rule files from rules/config.yaml, or check they are current.

The committed files come from the config file alone, so they do not depend on who ran the
generator. `--env` applies the old ConfigMap's environment variables (CPU_THRESHOLD_WARNING, ...,
GRAFANA_URL) on top, for a deployment that still sets them; its output names the overrides in its
header, and `--check` then reports the committed files as stale, as it should. The command line,
writing and `--check` are rules/output.py's, shared with `python -m grafana`. `python -m rules
backfill` is a command of its own (rules/backfill.py), dispatched here by its first word.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from rules import backfill
from rules.generate import GENERATED_DIR, PROG, PROMETHEUSRULE_PATH, render_all, written_earlier
from rules.output import Generator, PathOption, run

GENERATOR = Generator(
    prog=PROG,
    description="Generate Prometheus rule files and a PrometheusRule from rules/config.yaml. "
    "`python -m rules backfill --help`: give the recording rules their history.",
    outputs=(
        PathOption("--out-dir", GENERATED_DIR, "rule files directory"),
        PathOption("--prometheusrule", PROMETHEUSRULE_PATH, "PrometheusRule output file"),
    ),
    render=lambda cfg, args: render_all(cfg, args.out_dir, args.prometheusrule),
    written_earlier=lambda args: written_earlier(args.out_dir),
)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Exit 0 when done (or current), 1 when stale (--check), 2 when the config is invalid.
    `python -m rules backfill ...` is the backfill command (rules/backfill.py)."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["backfill"]:
        return backfill.main(args[1:])
    return run(GENERATOR, args, environ)
