"""Remove secrets and personal data from text before it leaves for a model, a channel or a report.

Log lines, labels and annotations carry whatever an application printed. Everything the pack
sends out (Slack messages, model prompts, report PDFs, CSVs and e-mails) passes one configured
`Redactor` first. It works in layers, each in its own module with its own tests:

1. blocks.py    PEM/PGP private key blocks, the only patterns that cross a line break;
2. tokens.py    provider token formats (`ghp_…`, `xoxb-…`, `AKIA…`, JWTs, ...), anywhere;
3. urls.py      `scheme://user:SECRET@host`;
4. commands.py  command lines whose flag alone says nothing (`mysql -pSECRET`, `curl -u u:SECRET`);
5. context.py   a key naming a secret, in any case style and syntax, judged with values.py
                (`password=…`, `"secretAccessKey": …`, `--token …`, `secret <random>`,
                `password is …`);
6. prose.py     Korean sentences ("임시 비밀번호는 X 입니다");
7. blocks.py    values announced by the line before (Kubernetes env pairs, Secret `data:`,
                a password printed alone under a header);
8. urls.py      e-mail addresses, as `[EMAIL]`; then the site's own patterns
                (`REDACT_EXTRA_PATTERNS`).

The masked form keeps what helps a reader ("password=[REDACTED]", "ghp_[REDACTED]",
"postgres://app:[REDACTED]@db"), and `redact(redact(x)) == redact(x)`. The patterns err towards
hiding: a masked non-secret costs a second look, a leaked password costs a rotation.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from runtime.redact import commands, context, prose
from runtime.redact.blocks import mask_key_blocks, mask_lines
from runtime.redact.names import Strength, strength
from runtime.redact.tokens import mask_tokens
from runtime.redact.urls import mask_emails, mask_url_credentials
from runtime.redact.values import EMAIL_MASK, MASK, is_placeholder, mask_spans

__all__ = ["EMAIL_MASK", "MASK", "Redactor", "redact"]

T = TypeVar("T")


def _mask_line(line: str) -> str:
    """One line through layers 2 to 6 and e-mail; each layer sees the one before's output."""
    line = mask_url_credentials(mask_tokens(line))
    for layer in (commands, context, prose):
        spans = layer.find_spans(line)
        if spans:
            line = mask_spans(line, spans)
    return mask_emails(line)


class Redactor:
    """`Redactor(extra_patterns=[...])`: the built-in layers plus site-specific regexes."""

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        self.extra = tuple(re.compile(p) for p in extra_patterns)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = mask_key_blocks(text)
        text = mask_lines(text, _mask_line) if "\n" in text else _mask_line(text)
        for pattern in self.extra:
            text = pattern.sub(MASK, text)
        return text

    def mapping(self, values: Mapping[str, str]) -> dict[str, str]:
        """Labels or annotations: values redacted; a value whose key names a secret, masked."""
        return {key: self._value(key, str(value)) for key, value in values.items()}

    def _value(self, key: str, text: str) -> str:
        if strength(key) == Strength.STRONG and text and not is_placeholder(text):
            return MASK
        return self(text)

    def walk(self, obj: T) -> T:
        """A copy of `obj` with every string in it redacted: dataclasses, mappings (a value whose
        key names a secret masked whole, as in `mapping`), lists and tuples, at any depth. What
        a message, a report or a prompt is built from passes here once, before it is cut to
        size, so a secret is never half shown."""
        return self._walk(obj)

    def _walk(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, Mapping):
            return {
                k: self._value(k, v) if isinstance(k, str) and isinstance(v, str) else self._walk(v)
                for k, v in obj.items()
            }
        if isinstance(obj, list | tuple):
            items = [self._walk(x) for x in obj]
            if isinstance(obj, list):
                return items
            return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {}
            for f in dataclasses.fields(obj):
                if f.init:
                    value = getattr(obj, f.name)
                    new = self._walk(value)
                    if new is not value and new != value:
                        changes[f.name] = new
            return dataclasses.replace(obj, **changes) if changes else obj
        return obj


def parse_patterns(text: str) -> tuple[str, ...]:
    """`REDACT_EXTRA_PATTERNS`: one regular expression a line; a bad one is a settings error."""
    patterns = tuple(p for p in text.splitlines() if p.strip())
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise ValueError(f"not a regular expression: {p!r} ({e})") from e
    return patterns


_DEFAULT = Redactor()


def redact(text: str) -> str:
    """Redact with the built-in layers only (no site patterns): for tests and tools."""
    return _DEFAULT(text)
