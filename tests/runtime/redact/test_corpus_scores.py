"""The redactor against the corpus (tests/corpus/redaction): the issue's goals as assertions.

The main set is what the redactor was tuned on; the held-out sets were written by others without
looking at it. Each must keep recall at 99 % or more and change at most 1 % of harmless lines.
"""

from __future__ import annotations

import pytest

from runtime.redact import redact
from tests.corpus.redaction.scoring import SETS, available_sets, load, score_set


@pytest.mark.parametrize("name", available_sets())
def test_recall_and_damage_goals(name):
    s = score_set(redact, name)
    missed = "\n".join(f"  {c}: {t!r} -> {o!r}" for c, t, o in s.misses[:20])
    damaged = "\n".join(f"  {c}: {t!r} -> {o!r}" for c, t, o in s.damages[:20])
    assert s.recall >= 0.99, f"{name}: recall {s.recall:.4f}\n{missed}"
    changed = f"{name}: {s.damage_rate:.4f} of harmless lines changed\n{damaged}"
    assert s.damage_rate <= 0.01, changed


def test_main_set_is_large_and_varied_enough():
    secrets, harmless = (load(f) for f in SETS["main"])
    assert len(secrets) >= 400
    assert len({e["category"] for e in secrets}) >= 80
    assert len(harmless) >= 400


@pytest.mark.parametrize("name", available_sets())
def test_redaction_is_idempotent_on_every_line(name):
    for file in SETS[name]:
        for e in load(file):
            once = redact(e["text"])
            assert redact(once) == once, e["text"]
