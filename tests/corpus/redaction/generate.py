"""Write secrets.jsonl and harmless.jsonl from the templates, deterministically.

    python3 -m tests.corpus.redaction.generate          # from the repository root

The committed .jsonl files are the corpus; this script is how they were made. Running it again
gives byte-identical files (fixed seed). Add a template to _secret_templates.py or
_harmless_templates.py and run it to grow the corpus; the README's category table is
rewritten too. The held-out set has its own script (generate_holdout.py); keep away from it
and from the holdout files while working on the redactor.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ._fake import Fake, render
from ._harmless_templates import HARMLESS
from ._secret_templates import SECRETS

HERE = Path(__file__).resolve().parent
SEED = 20240611

EMAIL = re.compile(
    r"(?<![/\w.+%-])(?<!://)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)


def wrap(fake: Fake, text: str, secrets: list[str]) -> str:
    """Sometimes put a single-line entry inside what a log pipeline adds around it."""
    if "\n" in text or fake.r.random() >= 0.22:
        return text
    kind = fake.int_(0, 4)
    if kind == 0:  # containerd / CRI-O log file on the node
        return f"{fake.ts_ns()} stdout F {text}"
    if kind == 1:  # kubectl logs --prefix
        return f"[pod/{fake.pod()}/app] {text}"
    if kind == 2:  # stern
        return f"{fake.pod()} app {text}"
    if kind == 3:  # Loki logcli output
        return f'{fake.ts()} {{app="{fake.svc()}", namespace="{fake.ns()}"}} {text}'
    # Docker json-file driver: the line becomes an escaped JSON string
    escaped = json.dumps(text + "\n", ensure_ascii=False)[1:-1]
    if any(s not in escaped for s in secrets):
        return text
    return f'{{"log":"{escaped}","stream":"stdout","time":"{fake.ts_ns()}"}}'


def build_secrets(fake: Fake, templates: dict[str, list[str]]) -> list[dict]:
    out = []
    for category, lines in templates.items():
        for template in lines:
            text, secrets = render(fake, template)
            for s in secrets:
                # A value must sit only where the template put it: found again inside a key
                # name, another value or the fixed text, the case would be ambiguous.
                if text.count(s) != fake.inserted[s]:
                    raise ValueError(f"{category}: {s!r} also occurs elsewhere in {text!r}")
            text = wrap(fake, text, secrets)
            out.append({"category": category, "text": text, "secrets": secrets})
    return out


def build_harmless(fake: Fake, templates: dict[str, list[str]]) -> list[dict]:
    out = []
    for category, lines in templates.items():
        for template in lines:
            text, secrets = render(fake, template)
            assert not secrets, (category, template)
            out.append({"category": category, "text": wrap(fake, text, [])})
    return out


def check(secret_entries: list[dict], harmless_entries: list[dict]) -> list[str]:
    """Problems that would make an entry a bad test case (empty list: none)."""
    problems = []
    texts: set[str] = set()
    for e in secret_entries + harmless_entries:
        if e["text"] in texts:
            problems.append(f"duplicate text: {e['text'][:80]!r}")
        texts.add(e["text"])
    all_secrets = set()
    for e in secret_entries:
        if not e["secrets"]:
            problems.append(f"{e['category']}: no secrets in {e['text'][:80]!r}")
        for s in e["secrets"]:
            all_secrets.add(s)
            if len(s) < 6:
                problems.append(f"{e['category']}: short secret {s!r}")
            if s not in e["text"]:
                problems.append(f"{e['category']}: secret not in text {s!r}")
    for e in harmless_entries:
        if EMAIL.search(e["text"]):
            problems.append(f"{e['category']}: e-mail address in harmless {e['text'][:80]!r}")
        for s in all_secrets:
            if s in e["text"]:
                problems.append(f"{e['category']}: harmless text contains secret {s!r}")
    return problems


def dump(path: Path, entries: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for e in entries:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")


def counts(entries: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e["category"]] = out.get(e["category"], 0) + 1
    return out


def table(entries: list[dict]) -> str:
    rows = ["| category | entries |", "| --- | ---: |"]
    rows += [f"| `{c}` | {n} |" for c, n in counts(entries).items()]
    return "\n".join(rows)


def update_readme(secret_entries: list[dict], harmless_entries: list[dict]) -> None:
    readme = HERE / "README.md"
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    for name, entries in (("secrets", secret_entries), ("harmless", harmless_entries)):
        start, end = f"<!-- {name}-table:start -->", f"<!-- {name}-table:end -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            summary = f"{len(entries)} entries in {len(counts(entries))} categories.\n\n"
            text = f"{head}{start}\n{summary}{table(entries)}\n{end}{tail}"
    readme.write_text(text, encoding="utf-8")


def main() -> int:
    fake = Fake(SEED)
    secret_entries = build_secrets(fake, SECRETS)
    harmless_entries = build_harmless(fake, HARMLESS)
    problems = check(secret_entries, harmless_entries)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    dump(HERE / "secrets.jsonl", secret_entries)
    dump(HERE / "harmless.jsonl", harmless_entries)
    update_readme(secret_entries, harmless_entries)
    print(f"secrets: {len(secret_entries)} entries, {len(counts(secret_entries))} categories")
    print(f"harmless: {len(harmless_entries)} entries, {len(counts(harmless_entries))} categories")
    return 0


if __name__ == "__main__":
    sys.exit(main())
