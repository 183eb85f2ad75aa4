"""`python -m rules backfill`: give the recording rules the history they missed, level by level.

A Prometheus that starts running the pack's rules today has weeks of raw node_exporter,
cAdvisor, kube-state-metrics and Istio series, but recorded series from today on only, so the
first weekly and monthly reports and the 30-day dashboards have nothing to read.
`promtool tsdb create-blocks-from rules` evaluates recording rules over the past with range
queries against a running Prometheus and writes TSDB blocks; it cannot see its own output, so a
rule that reads another recorded series (rules/levels.py) needs the level below already
visible to the server it queries. This command does the levels in order: level 0 against the
cluster's Prometheus (`--url`), each higher level against a scratch Prometheus on 127.0.0.1
(rules/scratch_prometheus.py) that holds the blocks written so far and reads the rest from
`--url` by remote read. The cluster's Prometheus is only queried; the blocks end in
`OUT/blocks/level-<n>/`, to be moved into its TSDB once (`--into` does that on the same host).
`--plan` writes the level rule files and prints the manual procedure instead.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rules.generate import GENERATED_DIR, RULE_FILE_SUFFIX
from rules.levels import Level, LevelError, write_level_files
from rules.scratch_prometheus import ScratchPrometheus, external_labels
from runtime.durations import is_prometheus_duration

PROG = "python -m rules backfill"
EXIT_DONE, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Backfill:
    url: str  # the Prometheus with the raw history
    start: int  # unix seconds
    end: int
    out: Path
    rule_files: tuple[Path, ...]
    eval_interval: str = "1m"  # the rules' evaluation_interval (promtool's --eval-interval)
    promtool: str = "promtool"
    prometheus: str = "prometheus"  # for the scratch server of levels above 0

    def level_dir(self, level: Level) -> Path:
        return self.out / "blocks" / f"level-{level.number}"

    def promtool_argv(self, level: Level, rule_file: Path, url: str) -> list[str]:
        return [
            self.promtool,
            "tsdb",
            "create-blocks-from",
            "rules",
            f"--url={url}",
            f"--start={self.start}",
            f"--end={self.end}",
            f"--eval-interval={self.eval_interval}",
            f"--output-dir={self.level_dir(level)}",
            str(rule_file),
        ]


def blocks_in(folder: Path) -> list[Path]:
    """The TSDB block folders in `folder` (each has a meta.json)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "meta.json").is_file())


def _describe(level: Level) -> str:
    reads = f", reading {', '.join(sorted(level.reads))}" if level.reads else ", raw series only"
    return f"level {level.number}: {len(level.rules)} rules ({', '.join(level.records)}){reads}"


def run(b: Backfill, log: Callable[[str], None] = print) -> list[Path]:
    """Every level, in order; returns the block folders written. Raises CalledProcessError
    when promtool fails, RuntimeError when the scratch Prometheus does not start."""
    written = write_level_files(b.rule_files, b.out / "rules")
    labels: dict[str, str] | None = None
    for level, rule_file in written:
        log(_describe(level))
        if level.number == 0:
            _promtool(b.promtool_argv(level, rule_file, b.url), log)
            continue
        if labels is None:
            labels, why = external_labels(b.url)
            if why:
                log(f"  note: no external labels read from {b.url} ({why})")
        below = [p for lower, _ in written[: level.number] for p in blocks_in(b.level_dir(lower))]
        log(f"  a scratch Prometheus serves the {len(below)} blocks below and reads {b.url}")
        with ScratchPrometheus(b.prometheus, b.url, labels, below, b.out / "scratch") as url:
            _promtool(b.promtool_argv(level, rule_file, url), log)
    blocks = [p for level, _ in written for p in blocks_in(b.level_dir(level))]
    log(f"wrote {len(blocks)} blocks under {b.out / 'blocks'}")
    return blocks


def _promtool(argv: list[str], log: Callable[[str], None]) -> None:
    log("  $ " + " ".join(argv))
    subprocess.run(argv, check=True, capture_output=True, text=True)


def plan(b: Backfill, log: Callable[[str], None] = print) -> None:
    """Write the level rule files and print the manual procedure: for a Prometheus that this
    machine cannot remote-read, or to run each step by hand."""
    written = write_level_files(b.rule_files, b.out / "rules")
    for level, rule_file in written:
        log(_describe(level))
        log("  $ " + " ".join(b.promtool_argv(level, rule_file, b.url)))
        log(f"  then move {b.level_dir(level)}/* into Prometheus' --storage.tsdb.path")
        if level.number < len(written) - 1:
            check = f"count_over_time({level.records[0]}[1h]) at {b.start + 3600}"
            log(f"  and wait until it has loaded them (within a minute): {check} finds series")


def move_into(blocks: list[Path], tsdb: Path) -> None:
    """Move block folders into a Prometheus TSDB folder (its --storage.tsdb.path)."""
    for block in blocks:
        shutil.move(str(block), str(tsdb / block.name))


def _time(text: str) -> int:
    """RFC 3339 (`2026-11-01T00:00:00+09:00`, `...Z`) or unix seconds."""
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected RFC 3339 (2026-11-01T00:00:00+09:00) or unix seconds, got {text!r}"
        ) from None
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone offset or Z: {text!r}")
    return int(t.timestamp())


def _interval(text: str) -> str:
    if not is_prometheus_duration(text):
        raise argparse.ArgumentTypeError(
            f"expected a Prometheus duration such as 30s or 1m: {text!r}"
        )
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Backfill the recording rules' history with promtool, level by level.",
    )
    parser.add_argument("--url", required=True, help="the Prometheus with the raw series")
    parser.add_argument("--start", type=_time, required=True, help="RFC 3339 or unix seconds")
    parser.add_argument(
        "--end", type=_time, required=True, help="when the rules started running there"
    )
    parser.add_argument("--out", type=Path, required=True, help="new folder for rules and blocks")
    parser.add_argument(
        "--rules",
        type=Path,
        nargs="+",
        default=sorted(GENERATED_DIR.glob(f"*{RULE_FILE_SUFFIX}")),
        help="rule files (rules/generated/*.rules.yaml)",
    )
    parser.add_argument(
        "--eval-interval",
        type=_interval,
        default="1m",
        help="the rules' evaluation interval where a group sets none (%(default)s)",
    )
    parser.add_argument("--promtool", default="promtool", help="promtool binary (%(default)s)")
    parser.add_argument(
        "--prometheus", default="prometheus", help="prometheus binary, for the levels above 0"
    )
    parser.add_argument(
        "--into", type=Path, help="then move the blocks into this TSDB folder (same host)"
    )
    parser.add_argument(
        "--plan", action="store_true", help="write the level rule files, print the steps, run none"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when done, 1 when promtool or the scratch Prometheus failed, 2 on bad arguments
    or rule files."""
    args = _parser().parse_args(argv)
    problem = _check(args)
    if problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    b = Backfill(
        args.url.rstrip("/"),
        args.start,
        args.end,
        args.out,
        tuple(args.rules),
        args.eval_interval,
        args.promtool,
        args.prometheus,
    )
    try:
        if args.plan:
            plan(b)
            return EXIT_DONE
        blocks = run(b)
    except LevelError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except subprocess.CalledProcessError as e:
        print(f"{PROG}: {' '.join(e.cmd)} failed:\n{e.stderr}", file=sys.stderr)
        return EXIT_FAILED
    except RuntimeError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return EXIT_FAILED
    if args.into:
        move_into(blocks, args.into)
        print(f"moved them into {args.into}: Prometheus loads them at its next block reload")
    else:
        print(f"next: move {b.out / 'blocks'}/level-*/* into Prometheus' --storage.tsdb.path")
    return EXIT_DONE


def _check(args: argparse.Namespace) -> str:
    """What is wrong with the arguments, before anything runs; '' when nothing."""
    if args.end <= args.start:
        return "--end: expected a time after --start"
    if blocks_in(args.out / "blocks" / "level-0"):
        return f"--out {args.out}: expected a new folder, it holds blocks of an earlier run"
    if args.into and not (args.into / "wal").is_dir():
        return f"--into {args.into}: expected Prometheus' --storage.tsdb.path (it has a wal/)"
    missing = [str(p) for p in args.rules if not p.is_file()]
    if missing:
        return f"--rules: no such file: {', '.join(missing)}"
    return ""
