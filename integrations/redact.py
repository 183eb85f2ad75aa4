"""Remove secrets and personal data from text before it leaves for a model, a channel or a report.

Log lines and annotations carry whatever an application printed: bearer headers, connection
strings with passwords, cloud keys, e-mail addresses. Everything shown in Slack, sent to Bedrock
or printed in a report goes through `redact()` first. The patterns err towards hiding too much:
a masked non-secret costs a second look, a leaked password costs a rotation.

Each pattern keeps the part that helps a reader (the key name, the URL's host, the user name) and
replaces only the secret with `[REDACTED]` (`[EMAIL]` for addresses), so "password=[REDACTED]"
still tells the on-call engineer that a password was logged. `redact(redact(x)) == redact(x)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MASK = "[REDACTED]"
EMAIL_MASK = "[EMAIL]"

# Names whose value is a secret in `name=value`, `name: value`, `"name": "value"`, `--name value`.
_SECRET_NAMES = (
    r"(?:[\w.-]*?[_.-])?(?:password|passwd|pwd|pass|passphrase|secret|token|api[_-]?key|apikey"  # noqa: S105
    r"|access[_-]?key(?:[_-]?id)?|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?"
    r"|auth|session[_-]?id|cookie|signature|sig)"
)


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    replacement: str


def _rule(name: str, pattern: str, replacement: str, flags: int = re.IGNORECASE) -> Rule:
    return Rule(name, re.compile(pattern, flags), replacement)


RULES: tuple[Rule, ...] = (
    _rule(
        "private-key-block",
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
        f"-----BEGIN PRIVATE KEY-----{MASK}-----END PRIVATE KEY-----",
        re.DOTALL,
    ),
    # "Authorization: Bearer abc", "bearer abc", "Basic dXNlcjpwYXNz", "Proxy-Authorization: ..."
    _rule(
        "authorization-header",
        r"((?:proxy-)?authorization\s*[:=]\s*\"?"
        r"(?>(?:bearer|basic|token|digest|negotiate|aws4-hmac-sha256)\s+|))"
        r"(?!\[REDACTED\])[^\s\",;]+",
        rf"\1{MASK}",
    ),
    _rule("bearer", r"\b(bearer|basic)(\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}", rf"\1\2{MASK}"),
    # scheme://user:password@host -> scheme://user:[REDACTED]@host (postgres, redis, amqp, http...)
    _rule(
        "url-credentials",
        r"\b([a-z][a-z0-9+.-]*://[^\s:/@\"'<>]*:)(?!\[REDACTED\]@)[^\s@/\"'<>]+@",
        rf"\1{MASK}@",
    ),
    # JDBC / ADO.NET / libpq key=value connection strings: "Password=x;" "password='x'"
    _rule(
        "key-value",
        rf"((?<![\w-]){_SECRET_NAMES}\"?'?\s*(?:=|:|\s=>)\s*)(?![\"']?\[REDACTED\])"
        r"(\"[^\"]*\"|'[^']*'|[^\s,;&\"'})\]]+)",
        rf"\1{MASK}",
    ),
    _rule("cli-flag", rf"(--{_SECRET_NAMES}[ =])(?!\[REDACTED\])(\S+)", rf"\1{MASK}"),
    _rule("aws-access-key-id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|AIPA)[A-Z0-9]{16}\b", MASK, 0),
    _rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", MASK, 0),
    _rule(
        "slack-webhook", r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[\w/]+", rf"\1{MASK}"
    ),
    _rule(
        "github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})", MASK, 0
    ),
    _rule("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}", MASK, 0),
    _rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b", MASK, 0),
    _rule("stripe-key", r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}", MASK, 0),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+", MASK, 0),
    _rule(
        "email",
        r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
        EMAIL_MASK,
        0,
    ),
)


class Redactor:
    """`Redactor(extra_patterns=[...])`: the built-in rules plus site-specific regexes."""

    def __init__(self, extra_patterns: Iterable[str] = (), rules: Iterable[Rule] = RULES) -> None:
        self.rules = tuple(rules) + tuple(
            Rule(f"extra-{i}", re.compile(p), MASK) for i, p in enumerate(extra_patterns)
        )

    def __call__(self, text: str) -> str:
        for rule in self.rules:
            text = rule.pattern.sub(rule.replacement, text)
        return text

    def mapping(self, values: Mapping[str, str]) -> dict[str, str]:
        """Labels or annotations: values redacted; a value whose key names a secret, masked."""
        out = {}
        for key, value in values.items():
            if re.fullmatch(_SECRET_NAMES, key, re.IGNORECASE):
                out[key] = MASK
            else:
                out[key] = self(str(value))
        return out


_DEFAULT = Redactor()


def redact(text: str) -> str:
    """Redact with the built-in rules."""
    return _DEFAULT(text)
