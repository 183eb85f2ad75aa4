"""Is this value a secret? Tests on the value alone, for the layers that found a secret word.

A key name decides how much the value must prove. After `password=` almost anything is a
secret; after a plain word ("secret <value>", "token <value>") only a value that looks random is,
so "secret rotation succeeded" stays readable while "secret q8Vt2mXr9Lp4..." is masked. The tests
here are cheap (no dictionary): character classes, Shannon entropy and the shapes of things that
are not secrets (placeholders, paths, numbers, versions, dates, identifiers, resource names).
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter
from collections.abc import Iterable


def word_set(text: str) -> frozenset[str]:
    """A vocabulary written as words separated by white space."""
    return frozenset(text.split())


MASK = "[REDACTED]"
EMAIL_MASK = "[EMAIL]"

# Values that stand for a secret without being one: masks of ours and of other tools, template
# and environment references, booleans and "not set" words.
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        \[(?:redacted|email)\]
      | [*xX•#.\-]{3,} | \*+ \w* \*+
      | [\[<(]?\s*(?:redacted|hidden|filtered|masked|removed|omitted|sensitive|secret|password
                   |token|none|null|empty|not\ set|unset|sensitive\ value|value)\s*[\])>]?
      | <[^<>\s]{1,40}> | \$?\{\{.*\}\} | \$\{[^}]*\} | \$\([^)]*\) | \$[A-Z_][A-Z0-9_]*
      | %\(\w+\)[sdr] | %[sdr] | :[a-z_]+ | \? | \$\d+ | @\w+
      | [\w.-]{0,12}[*•x]{4,}\w{0,4} | [A-Z][A-Za-z]*! | ~
      | %env\([^)]*\)% | \#\{[^}]*\} | \$\{[a-z]+:[^}]*\}
      | (?:vault|op|ref\+\w+|sm|gcpsm|awssm|awsssm|azkv|akv|ssm|k8s|sops|doppler|infisical
         |secretsmanager|secret|secrets)(?::|://)[\w./#@:+-]+  # a secret store's reference
      | (?:\\[A-Za-z]|\.|\[[^\]]*\])[+*?]  # a regex's \S+ or .*
      | true|false|yes|no|on|off|none|null|nil|undefined|nan|n/a|na|empty|blank|unset
      | required|optional|present|missing|provided|supplied|given|set|ok|enabled|disabled
      | env:\w+ | file:\S+ | fd:\d+ | stdin | prompt
      | ''|""|\[\]|\{\}|[|>][-+]?
    )$""",
)
# Words that follow "password"/"token" in messages about them, never as their value.
STOPWORDS = word_set(
    """
    a an the is was are be been being has have had not no to of for in on at by with from
    and or but if as it this that these those must should will would can could may might
    cannot does did do done incorrect invalid wrong required missing expired expires
    expiring empty blank weak strong valid correct ok okay accepted rejected denied failed
    failure error mismatch mismatched match matches matched changed change updated update
    reset rotated rotate rotation renewed renew refreshed refresh revoked revoke created
    create deleted delete removed saved stored sent verified verify verification
    authentication authorization auth login logout signin sign policy policies length too
    short long same different provided supplied given set unset generated generate found
    unknown unavailable disabled enabled mandatory optional please protected encrypted
    hashed plain plaintext text here there below above following new old current temporary
    initial default user users account admin your my our their its request requested
    requests response flow grant type types file files path secret secrets token tokens
    password passwords key keys value values field fields header headers cookie cookies
    succeeded success successful successfully complete completed pending ready issued
    issuing refused exceeded limit used using reused bucket buckets count counts budget read
    write readonly read-only read-write rw ro
    """
)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?[a-zA-Z%]{0,3}")
_VERSION = re.compile(r"v?\d+(?:\.\d+){1,3}(?:[-+.][\w.]+)?")
_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?")
_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/\d+)?|\[?[0-9a-fA-F:]+:[0-9a-fA-F:]*\]?")
_PATH = re.compile(r"(?:~|\.{1,2})?(?:/[\w.@+-]+)+/?|[A-Za-z]:\\[\w\\. -]+")
# Relative paths and object keys: "images/2024/06/a1.webp", "auth/jwt/login".
_RELATIVE_PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)+")
_VARIABLE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # NEXUS_PASS: a variable's name
_SEGMENT = re.compile(r"[A-Za-z]{1,24}\d{0,4}|\d{1,8}")
_DIGIT = re.compile(r"\d")
_OTHER = re.compile(r"[^A-Za-z0-9]")
_NUMERIC = re.compile(r"[\d\s/:.,%+-]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# Words joined the ways identifiers are: snake, kebab, dotted, camel and Pascal case.
_IDENTIFIER = re.compile(
    r"[a-z]+(?:[-_.][a-z]+)*|[A-Z]?[a-z]+(?:[A-Z][a-z]+)+|[A-Z]+(?:_[A-Z]+)*|[A-Z][a-z]+"
)
# Kubernetes object names, optionally namespaced: "shop/db-creds", "tls-ingress".
_RESOURCE = re.compile(r"[a-z0-9](?:[-a-z0-9._]*[a-z0-9])?(?:/[a-z0-9](?:[-a-z0-9._]*[a-z0-9])?)*")


def strip_value(value: str) -> str:
    """The value without quotes or brackets around it or sentence punctuation after it."""
    return value.strip().strip("\"'`").lstrip("([{<").rstrip(".,;:!?)]}>")


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value.strip()))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


def _classes(value: str) -> int:
    """How many of lowercase, uppercase, digits and other characters `value` holds."""
    return (
        (value.upper() != value)
        + (value.lower() != value)
        + bool(_DIGIT.search(value))
        + bool(_OTHER.search(value))
    )


def is_path(value: str) -> bool:
    return bool(_PATH.fullmatch(value))


def is_uuid(value: str) -> bool:
    return bool(_UUID.fullmatch(value))


def is_variable(value: str) -> bool:
    """`NEXUS_PASS`, `DB_PASSWORD`: the name of a variable that holds the secret."""
    return bool(_VARIABLE.fullmatch(value))


def _segmented(value: str) -> bool:
    """Words and small numbers joined by separators: "user:4411:profile", "cron:report-daily"."""
    parts = [p for p in re.split(r"[:#._/=,-]+", value) if p]
    return len(parts) > 1 and all(_SEGMENT.fullmatch(p) for p in parts)


def is_benign_shape(value: str) -> bool:
    """Shapes that are data, not secrets: numbers, versions, dates, addresses, paths, words."""
    return bool(
        _NUMBER.fullmatch(value)
        or _VERSION.fullmatch(value)
        or _DATE.fullmatch(value)
        or _IP.fullmatch(value)
        or _PATH.fullmatch(value)
        or _IDENTIFIER.fullmatch(value)
        or _VARIABLE.fullmatch(value)
        or _segmented(value)
        or (_RELATIVE_PATH.fullmatch(value) and re.search(r"\.[A-Za-z0-9]{2,5}$", value))
        or _encoded_json(value)
    )


def _encoded_json(value: str) -> bool:
    """Base64 of a JSON object (a Kafka key, a page cursor): data, not a secret. A JWT has dots."""
    if not value.startswith(("eyJ", "W3s")) or len(value) > 512:
        return False
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_").decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    return text.startswith(("{", "[")) and text.isprintable()


def is_resource_name(value: str, single_word: bool = True) -> bool:
    """A Kubernetes object named by words ("shop/db-creds", or "regcred" if `single_word`), as
    a log names a Secret it read; a random string is not a name, whatever its alphabet."""
    v = strip_value(value)
    if not _RESOURCE.fullmatch(v) or looks_random(v):
        return False
    return (single_word and v.isalpha()) or (any(c in v for c in "-./") and _segmented(v))


def looks_random(value: str, min_len: int = 8) -> bool:
    """A generated secret rather than a word, number, name or path: the test for a value that
    follows a secret word with no `=` or `:` between them."""
    v = strip_value(value)
    n = len(v)
    if n < min_len or is_placeholder(v) or is_benign_shape(v):
        return False
    if v.lower() in STOPWORDS:
        return False
    classes = _classes(v)
    h = entropy(v)
    if n >= 20:
        return h >= 3.3 or (classes >= 2 and h >= 2.8)
    if n >= 12:
        return classes >= 2 and h >= 3.0
    return classes >= 3 and h >= 2.5


def looks_like_password(value: str) -> bool:
    """A value a person chose or was given: the test after "password is", "비밀번호는" and alike.
    Weaker than `looks_random`: "hunter2" and "Summer2024!" pass, "incorrect" does not."""
    v = strip_value(value)
    if len(v) < 4 or is_placeholder(v) or v.lower() in STOPWORDS:
        return False
    if (_NUMBER.fullmatch(v) and len(v) < 6) or _DATE.fullmatch(v) or _VERSION.fullmatch(v):
        return False
    if _NUMERIC.fullmatch(v):
        return False  # 100/100, 12:30, 3.5%
    if v.isalpha() and v.islower():
        return len(v) >= 12 and entropy(v) >= 3.3
    if (_IDENTIFIER.fullmatch(v) and not v.isupper()) or _VARIABLE.fullmatch(v):
        return False
    return _classes(v) >= 2 or len(v) >= 12


def mask_spans(line: str, spans: Iterable[tuple[int, int]]) -> str:
    """`line` with each span replaced by MASK; a span overlapping an earlier one is dropped."""
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(line[last:start] + MASK)
        last = end
    out.append(line[last:])
    return "".join(out)
