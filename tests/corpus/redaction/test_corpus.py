"""Checks of the redaction corpus itself (not of the redactor): shape, counts, consistency.

Messages about the held-out files name only the file and line, so that a failure here does not
show held-out text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SECRETS = HERE / "secrets.jsonl"
HARMLESS = HERE / "harmless.jsonl"
HOLDOUT_SECRETS = HERE / "holdout-secrets.jsonl"
HOLDOUT_HARMLESS = HERE / "holdout-harmless.jsonl"
ALL_FILES = (SECRETS, HARMLESS, HOLDOUT_SECRETS, HOLDOUT_HARMLESS)
SECRET_FILES = (SECRETS, HOLDOUT_SECRETS)
HARMLESS_FILES = (HARMLESS, HOLDOUT_HARMLESS)

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# An e-mail address; not the user part of a URL (postgresql://app@db.svc...), which is no address.
EMAIL = re.compile(
    r"(?<![/\w.+%-])(?<!://)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
# Values a secret must never be: words that also appear around secrets in the corpus.
COMMON_WORDS = {
    "password", "passwd", "secret", "secrets", "token", "tokens", "apikey", "api_key", "admin",
    "default", "bearer", "basic", "changeme", "example", "localhost", "postgres", "root", "redis",
}  # fmt: skip
# Unmistakable credential shapes: none may appear in a harmless line.
STRONG_TOKEN = re.compile(
    r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{60,}|xox[abpe]-\d+-|xapp-\d-|AKIA[A-Z2-7]{16}"
    r"|ASIA[A-Z2-7]{16}|glpat-[\w-]{20}|glrt-|sk_live_|rk_live_|whsec_|npm_[A-Za-z0-9]{36}"
    r"|hvs\.[\w-]{20,}|AGE-SECRET-KEY-1|sk-ant-api|sk-proj-|dop_v1_|dckr_pat_|pypi-AgEI"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY|hooks\.slack\.com/services/T"
)


def load(path: Path) -> list[tuple[int, dict]]:
    entries = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            assert line.endswith("\n"), f"{path.name}:{number}: missing newline"
            entries.append((number, json.loads(line)))
    return entries


def where(path: Path, number: int, entry: dict) -> str:
    if path.name.startswith("holdout"):
        return f"{path.name}:{number}"
    return f"{path.name}:{number} [{entry.get('category')}] {entry.get('text', '')[:100]!r}"


@pytest.fixture(scope="module")
def corpus() -> dict[Path, list[tuple[int, dict]]]:
    return {path: load(path) for path in ALL_FILES}


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_file_is_utf8_json_lines(path):
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "\r" not in text.replace("\\r", "")
    for number, line in enumerate(text.splitlines(), start=1):
        assert line.strip(), f"{path.name}:{number}: blank line"
        assert isinstance(json.loads(line), dict), f"{path.name}:{number}: not an object"


@pytest.mark.parametrize("path", SECRET_FILES, ids=lambda p: p.name)
def test_secret_entries_have_the_required_keys(corpus, path):
    for number, e in corpus[path]:
        assert set(e) == {"category", "text", "secrets"}, where(path, number, e)
        assert isinstance(e["category"], str), where(path, number, e)
        assert KEBAB.match(e["category"]), where(path, number, e)
        assert isinstance(e["text"], str), where(path, number, e)
        assert e["text"].strip(), where(path, number, e)
        assert isinstance(e["secrets"], list), where(path, number, e)
        assert e["secrets"], where(path, number, e)
        assert all(isinstance(s, str) for s in e["secrets"]), where(path, number, e)


@pytest.mark.parametrize("path", HARMLESS_FILES, ids=lambda p: p.name)
def test_harmless_entries_have_the_required_keys(corpus, path):
    for number, e in corpus[path]:
        assert set(e) == {"category", "text"}, where(path, number, e)
        assert isinstance(e["category"], str), where(path, number, e)
        assert KEBAB.match(e["category"]), where(path, number, e)
        assert isinstance(e["text"], str), where(path, number, e)
        assert e["text"].strip(), where(path, number, e)


@pytest.mark.parametrize("path", SECRET_FILES, ids=lambda p: p.name)
def test_each_secret_occurs_verbatim_and_is_distinctive(corpus, path):
    for number, e in corpus[path]:
        for s in e["secrets"]:
            assert s in e["text"], where(path, number, e)
            assert len(s) >= 6, where(path, number, e)
            assert s == s.strip(), where(path, number, e)
            assert s.lower() not in COMMON_WORDS, where(path, number, e)
            assert s not in e["category"], where(path, number, e)


def test_email_category_lists_email_addresses(corpus):
    for path in SECRET_FILES:
        for number, e in corpus[path]:
            if e["category"] == "email-address":
                assert all(EMAIL.fullmatch(s) for s in e["secrets"]), where(path, number, e)


def test_counts(corpus):
    secrets = [e for _, e in corpus[SECRETS]]
    harmless = [e for _, e in corpus[HARMLESS]]
    assert len(secrets) >= 400
    assert len({e["category"] for e in secrets}) >= 80
    assert len(harmless) >= 400
    assert len(corpus[HOLDOUT_SECRETS]) >= 100
    assert len(corpus[HOLDOUT_HARMLESS]) >= 100
    # Every main-set category has a few entries, not one token example.
    per_category: dict[str, int] = {}
    for e in secrets:
        per_category[e["category"]] = per_category.get(e["category"], 0) + 1
    thin = sorted(c for c, n in per_category.items() if n < 3)
    assert not thin, thin


def test_no_duplicate_texts(corpus):
    seen: dict[str, str] = {}
    for path in ALL_FILES:
        for number, e in corpus[path]:
            here = where(path, number, e)
            assert e["text"] not in seen, f"{here} repeats {seen.get(e['text'])}"
            seen[e["text"]] = f"{path.name}:{number}"


@pytest.mark.parametrize("path", HARMLESS_FILES, ids=lambda p: p.name)
def test_no_email_address_in_harmless(corpus, path):
    for number, e in corpus[path]:
        assert not EMAIL.search(e["text"]), where(path, number, e)


@pytest.mark.parametrize("path", HARMLESS_FILES, ids=lambda p: p.name)
def test_no_credential_shape_in_harmless(corpus, path):
    for number, e in corpus[path]:
        assert not STRONG_TOKEN.search(e["text"]), where(path, number, e)


def test_no_secret_value_in_any_harmless_text(corpus):
    values = {s for path in SECRET_FILES for _, e in corpus[path] for s in e["secrets"]}
    for path in HARMLESS_FILES:
        for number, e in corpus[path]:
            leaked = [s for s in values if s in e["text"]]
            assert not leaked, where(path, number, e)


def test_holdout_does_not_reuse_main_values(corpus):
    main_values = {s for _, e in corpus[SECRETS] for s in e["secrets"]}
    # PEM bodies share their fixed DER header line (e.g. the OpenSSH magic); only those may repeat.
    for number, e in corpus[HOLDOUT_SECRETS]:
        reused = [s for s in e["secrets"] if s in main_values and not s.startswith("b3BlbnNzaC1")]
        assert not reused, where(HOLDOUT_SECRETS, number, e)


def test_readme_lists_every_main_category_with_its_count(corpus):
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    for path in (SECRETS, HARMLESS):
        per_category: dict[str, int] = {}
        for _, e in corpus[path]:
            per_category[e["category"]] = per_category.get(e["category"], 0) + 1
        for category, n in per_category.items():
            assert f"| `{category}` | {n} |" in readme, (path.name, category)
