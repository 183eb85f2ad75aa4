"""Scores a redactor on the corpus: recall on secret lines, changed harmless lines, by category.

Shared by the redactor's tests (tests/runtime/redact/test_corpus_scores.py) and its benchmark
(bench/redaction.py), so both count the same way: a secret line is caught when none of its
listed secrets survives; a harmless line is damaged when the output differs at all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# (secret lines, harmless lines) of each set: the main one, and two held-out ones written
# without looking at the redactor, to measure how it does on what it was not tuned on.
SETS = {
    "main": ("secrets.jsonl", "harmless.jsonl"),
    "holdout": ("holdout-secrets.jsonl", "holdout-harmless.jsonl"),
    "holdout2": ("holdout2-secrets.jsonl", "holdout2-harmless.jsonl"),
}


def load(name: str) -> list[dict]:
    with (HERE / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def available_sets() -> list[str]:
    return [s for s, files in SETS.items() if all((HERE / f).exists() for f in files)]


@dataclass
class Scores:
    secrets: Counter[str] = field(default_factory=Counter)  # lines per category
    missed: Counter[str] = field(default_factory=Counter)
    harmless: Counter[str] = field(default_factory=Counter)
    damaged: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # category, text, output
    damages: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        total = sum(self.secrets.values())
        return 1 - sum(self.missed.values()) / total if total else 1.0

    @property
    def damage_rate(self) -> float:
        total = sum(self.harmless.values())
        return sum(self.damaged.values()) / total if total else 0.0


def score(redact: Callable[[str], str], secrets: list[dict], harmless: list[dict]) -> Scores:
    s = Scores()
    for e in secrets:
        out = redact(e["text"])
        s.secrets[e["category"]] += 1
        if any(value in out for value in e["secrets"]):
            s.missed[e["category"]] += 1
            s.misses.append((e["category"], e["text"], out))
    for e in harmless:
        out = redact(e["text"])
        s.harmless[e["category"]] += 1
        if out != e["text"]:
            s.damaged[e["category"]] += 1
            s.damages.append((e["category"], e["text"], out))
    return s


def score_set(redact: Callable[[str], str], name: str) -> Scores:
    secrets, harmless = SETS[name]
    return score(redact, load(secrets), load(harmless))
