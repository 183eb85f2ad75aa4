"""Benchmark: the redactor against detect-secrets, on the corpus, in the same run.

For each set of tests/corpus/redaction (the main set, and the held-out sets written without
looking at the redactor): recall on secret lines (a line counts as caught when none of its
listed secrets survives) and the share of harmless lines changed, per category where they
differ; then throughput in lines per second on one core, over all the corpus's lines.

detect-secrets (Yelp's scanner, installed for this benchmark only: `pip install
detect-secrets`) is the reference. It finds secrets rather than redacting them, so here its
"redaction" replaces every value it reports with [REDACTED]. It runs as it scans a file (its
default plugins and filters, no eager search: the path `scan_file` takes, fed from memory so
that disk reads are not timed); its ad-hoc `scan_line` flags far more.

Goals (issue: secrets never leave): recall >= 99 %, harmless lines changed <= 1 %, and at least
20,000 lines/s on one core. Throughput is given per corpus entry (an entry may hold a whole
multi-line block) and per line; the corpus is far denser in secrets and secret words than a
real log stream, so a stream of ordinary lines goes faster.

    python bench/redaction.py [--seconds 3] [--categories]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.redact import Redactor  # noqa: E402
from tests.corpus.redaction.scoring import SETS, Scores, available_sets, load, score  # noqa: E402

MASK = "[REDACTED]"


def detect_secrets_redactors() -> dict[str, Callable[[str], str]]:
    """detect-secrets as it scans a file, and as its ad-hoc `scan_line` scans a string."""
    try:
        from detect_secrets.core.scan import _process_line_based_plugins, scan_line
        from detect_secrets.settings import default_settings
    except ImportError:
        return {}

    def masked(text: str, values: set[str]) -> str:
        for value in sorted(values, key=len, reverse=True):  # a value inside another: last
            text = text.replace(value, MASK)
        return text

    def file_scan(text: str) -> str:
        with default_settings():
            found = _process_line_based_plugins(
                list(enumerate(text.split("\n"), start=1)), filename="corpus.log"
            )
            return masked(text, {s.secret_value for s in found if s.secret_value})

    def ad_hoc(text: str) -> str:
        with default_settings():
            found = [s for line in text.split("\n") for s in scan_line(line)]
            return masked(text, {s.secret_value for s in found if s.secret_value})

    return {"detect-secrets": file_scan, "d-s ad hoc": ad_hoc}


def throughput(redact: Callable[[str], str], entries: list[str], seconds: float) -> float:
    """Corpus entries per second, the best of rounds over the whole corpus for `seconds`
    (the best round is the one the machine's other work disturbed least)."""
    best, started = 0.0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        round_started = time.perf_counter()
        for entry in entries:
            redact(entry)
        best = max(best, len(entries) / (time.perf_counter() - round_started))
    return best


def pct(x: float) -> str:
    return f"{100 * x:6.2f} %"


def report(name: str, scanners: dict[str, Scores], categories: bool) -> None:
    first = next(iter(scanners.values()))
    total_s, total_h = sum(first.secrets.values()), sum(first.harmless.values())
    print(f"\n== {name}: {total_s} secret lines in {len(first.secrets)} categories, "
          f"{total_h} harmless lines in {len(first.harmless)} categories")  # fmt: skip
    print(f"   {'scanner':<16} {'recall':>9} {'missed':>7} {'changed':>9} {'damaged':>8}")
    for scanner, s in scanners.items():
        missed, damaged = sum(s.missed.values()), sum(s.damaged.values())
        print(f"   {scanner:<16} {pct(s.recall)} {missed:>7} {pct(s.damage_rate)} {damaged:>8}")
    if not categories:
        ours = scanners["pack"]
        for kind, rows in (("missed", ours.misses), ("changed", ours.damages)):
            for category, _text, _out in rows:
                print(f"   pack {kind}: {category}")
        return
    print(f"   {'category':<44} " + " ".join(f"{s:>16}" for s in scanners))
    for category in sorted(first.secrets):
        cells = [
            f"{s.secrets[category] - s.missed[category]}/{s.secrets[category]}"
            for s in scanners.values()
        ]
        if len(set(cells)) > 1 or scanners["pack"].missed[category]:
            print(f"   secret  {category:<36} " + " ".join(f"{c:>16}" for c in cells))
    for category in sorted(first.harmless):
        cells = [f"{s.damaged[category]}/{s.harmless[category]}" for s in scanners.values()]
        if len(set(cells)) > 1 or scanners["pack"].damaged[category]:
            print(f"   harmless {category:<35} " + " ".join(f"{c:>16}" for c in cells))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=3.0, help="time per throughput run")
    p.add_argument("--categories", action="store_true", help="per-category table")
    args = p.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    scanners: dict[str, Callable[[str], str]] = {"pack": Redactor(), **detect_secrets_redactors()}
    if len(scanners) == 1:
        print("detect-secrets is not installed (pip install detect-secrets): ours alone")
    lines: list[str] = []
    for name in available_sets():
        secrets, harmless = (load(f) for f in SETS[name])
        lines += [e["text"] for e in secrets + harmless]
        report(
            name,
            {scanner: score(r, secrets, harmless) for scanner, r in scanners.items()},
            args.categories,
        )
    physical = sum(e.count("\n") + 1 for e in lines)
    print(
        f"\n== throughput, one core: {len(lines)} corpus entries, {physical} lines "
        f"(mean {_mean(lines):.0f} characters an entry)"
    )
    speeds = {scanner: throughput(r, lines, args.seconds) for scanner, r in scanners.items()}
    for scanner, speed in speeds.items():
        lines_per_s = speed * physical / len(lines)
        print(f"   {scanner:<16} {speed:>10,.0f} entries/s {lines_per_s:>10,.0f} lines/s")
    if "detect-secrets" in speeds:
        print(f"   ratio pack/detect-secrets: {speeds['pack'] / speeds['detect-secrets']:.1f}x")
    return 0


def _mean(lines: list[str]) -> float:
    return sum(map(len, lines)) / len(lines) if lines else 0.0


if __name__ == "__main__":
    sys.exit(main())
