"""`python -m grafana`: regenerate the dashboards from rules/config.yaml, or check they are current.

Like `python -m rules`, the committed files come from the config file alone; `--env` applies the
old ConfigMap's variables (CPU_THRESHOLD_WARNING, ..., GRAFANA_URL) on top for a deployment that
still sets them, and `--check` then reports the committed files as stale, as it should. The
command line, writing and `--check` are rules/output.py's, shared with `python -m rules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grafana.generate import (
    GENERATED_DIR,
    K8S_DIR,
    PROG,
    PROVISIONING_PATH,
    render_all,
    written_earlier,
)
from grafana.settings import settings_from
from rules.output import Generator, PathOption, run

GENERATOR = Generator(
    prog=PROG,
    description="Generate the Grafana dashboards, their provisioning file and ConfigMaps.",
    outputs=(
        PathOption("--out-dir", GENERATED_DIR, "dashboard JSON directory"),
        PathOption("--provisioning", PROVISIONING_PATH, "Grafana dashboard provider file"),
        PathOption("--k8s-dir", K8S_DIR, "ConfigMap directory"),
    ),
    render=lambda cfg, args: render_all(
        settings_from(cfg), args.out_dir, args.provisioning, args.k8s_dir
    ),
    written_earlier=lambda args: written_earlier(args.out_dir, args.k8s_dir),
)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Exit 0 when done (or current), 1 when stale (--check), 2 when the config is invalid."""
    return run(GENERATOR, argv, environ)
