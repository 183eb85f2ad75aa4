"""Secrets found by the key that names them, in every syntax a line can have.

`password=x`, `password: x`, `"password": "x"`, `\\"password\\":\\"x\\"` (JSON inside a JSON
string), `'password' => 'x'`, `config['SECRET_KEY'] = 'x'`, `PASSWORD=x`, `--password x`,
`-storepass x`, `-Dspring.datasource.password=x`, `<password>x</password>`,
`Authorization: <scheme> x`, `Unseal Key 1: x`, `password x`, `password is x`,
`secret <random>`, `{"name": "DB_PASSWORD", "value": "x"}`, `auth=('user', 'x')`.

The scanner starts from each secret-ish stem in the line, widens it to the key around it, reads
the separator and the value by hand (quoted or not) and lets the key's strength (names.py) and
the value's shape (values.py) decide. Nothing here crosses a line break.
"""

from __future__ import annotations

import re

from runtime.redact.names import Strength, is_flag, strength, words
from runtime.redact.tokens import trie
from runtime.redact.values import (
    STOPWORDS,
    is_path,
    is_placeholder,
    is_resource_name,
    is_uuid,
    is_variable,
    looks_like_password,
    looks_random,
    strip_value,
    word_set,
)

# Searched in the lowercased line: a case-insensitive search costs ten times more.
_STEMS = word_set(
    """pass pw secret token key auth cred sig sid sess jwt otp dsn sas hmac bearer basic ssws
    cookie accessor appid psk"""
)
_STEM = re.compile(trie(sorted(_STEMS)))
# The key around a stem: the run of key characters ending (starting) at it, at most _KEY_MAX.
_KEY_MAX = 80
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$-")
_KEY_END = re.compile(r"[A-Za-z0-9_.$-]*$")
_KEY_START = re.compile(r"[A-Za-z0-9_.$-]*")
# A key does not start right after these: "arn:...:secret:name", "/api/token/x", "user@token".
_NOT_BEFORE = frozenset(":/@#%+~^!")
_UNQUOTED = re.compile(r"[^\s\"'`,;&|<>]+")
_QUOTED = {
    '"': re.compile(r'"((?:[^"\\\n]|\\.)*)"'),
    "'": re.compile(r"'([^'\n]*)'"),
    "`": re.compile(r"`([^`\n]*)`"),
    '\\"': re.compile(r'\\"((?:[^"\\\n]|\\[^"])*)\\"'),
}
_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "pass", "pw", "passcode"})
# "password is x", "password for user bob was x", "set the password to x".
_PHRASE = re.compile(
    r"\s+(?:for\s+(?:the\s+)?(?:\S+\s+){0,2}?\S+?\s*)?"
    r"(?:(?:(?:is|was|has\s+been|have\s+been|will\s+be)\s+(?:set|changed|reset|updated)\s+to"
    r"|is|was|are|will\s+be|set\s+to|changed\s+to|reset\s+to|updated\s+to|becomes|to)\b"
    r"|(?P<colon>[=:]))\s*(?::\s*)?",
    re.IGNORECASE,
)
# "password is generated for root@localhost: x": a few words, then a colon and the value.
_WORDS_THEN_COLON = re.compile(r"(?:\s+[\w@.'\[\]-]+){1,8}?\s*:\s+(?=\S)")
# "Unseal Key 1: x", "Secret ID = x", "Initial Root Token: x": words after the stem, then `:`.
_MORE_KEY_WORDS = re.compile(r"(?:[ \t]+[A-Za-z0-9]{1,12}){1,2}(?=[ \t]*[:=])")
_SCHEME = re.compile(r"\[?([A-Za-z][A-Za-z0-9_-]{1,30})[ \t]+(?=[^\s\]])")
_SCHEME_NAMES = frozenset({"bearer", "basic", "digest", "negotiate", "ntlm", "ssws", "token"})
_BYTES_AFTER = re.compile(r"\s*bytes\b")
_SUBSTITUTION = re.compile(r"[$<]\(|\$\{\{|\{\{|`")
_ECHO = re.compile(r"[$<]\(\s*echo\s+(?:-n\s+)?['\"]?(?P<v>[^\s'\")]+)")
# A value that is code, not data: os.environ["X"], config.get("x"), self.token, process.env.X
_CODE = re.compile(
    r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[\[(]"
    r"|(?:self|this|os|env|config|settings|process|ctx|req|request|params|props|args|opts"
    r"|options|secrets|vars|values)\.[A-Za-z_]"
)
_PAM = re.compile(r"pam_\w+\($")  # pam_unix(passwd:chauthtok): a service and a PAM stage
_ODBC_BRACED = re.compile(r"\{([^{}:\n\"]*)\}(?=[;'\"\s]|$)")
_CALL_ARGUMENT = re.compile(r"[a-z_][a-z0-9]*(?:_[a-z0-9]+)+\s*[),]")
_NEXT_KEY = re.compile(r"[A-Za-z_][\w.-]*=")
_SPEC = re.compile(r"[A-Za-z_][\w.-]{0,30}=(?=[^=\s])")
# After a word: "Creating...", GraphQL's "String!" (a type).
_NOT_A_VALUE_AFTER = re.compile(r"\.\.\.|…|!")
_AUTH_TUPLE = re.compile(r"\(\s*(['\"])[^'\"]*\1\s*,\s*(['\"])(?P<v>[^'\"]+)\2\s*\)")
# {"name": "DB_PASSWORD", "value": "x"}, <add key="Password" value="x"/>, name=X value=Y
_NAMED_PAIR = re.compile(
    r"(?:name|key|Name|Key)[\"']?\s*[:=]\s*[\"']?(?P<key>[\w.-]+)[\"']?\s*[,;]?\s*"
    r"[\"']?(?:value|Value)[\"']?\s*[:=]\s*(?:\"(?P<vd>[^\"]*)\"|'(?P<vs>[^']*)'|(?P<v>[^\s,;}>]+))"
)


def _value_at(line: str, pos: int) -> tuple[int, int, bool] | None:
    """The value starting at `pos`: (start, end, quoted), the span without its quotes."""
    for quote in ('\\"', '"', "'", "`"):
        if line.startswith(quote, pos):
            m = _QUOTED[quote].match(line, pos)
            if m:
                return m.start(1), m.end(1), True
            return pos + len(quote), len(line), True  # a string cut off: mask to the end
    if line.startswith("{", pos) and line[pos - 1 : pos] == "=":
        braced = _ODBC_BRACED.match(line, pos)  # ODBC: PWD={p;ss} (a value in braces)
        if braced:
            return braced.start(1), braced.end(1), True
    if _SUBSTITUTION.match(line, pos):
        echoed = _ECHO.match(line, pos)  # <(echo KEY): the echoed word is the value
        if echoed:
            return echoed.start("v"), echoed.end("v"), False
        return pos, _closing(line, pos), False  # $(cat f), ${{ secrets.X }}: not a value
    m = _UNQUOTED.match(line, pos)
    if not m:
        return None
    start, end = m.span()
    if line[end - 1] == "(" and line[end : end + 1] in ("'", '"'):
        return _value_at(line, end)  # SecretStr('**********')
    while line.endswith(("\\n", "\\r", "\\t"), start, end):
        end -= 2  # a JSON-escaped line end: {"log":"PWD=/app\n"}
    # Brackets and sentence marks that close around the value, not part of it.
    while end > start and line[end - 1] in ")]}.:!?" and _unbalanced(line[start:end]):
        end -= 1
    return start, end, False


def _closing(line: str, pos: int) -> int:
    """The end of a shell or template substitution starting at `pos`."""
    if line.startswith("`", pos):
        end = line.find("`", pos + 1)
        return len(line) if end < 0 else end + 1
    if line.startswith(("{{", "${{"), pos):
        end = line.find("}}", pos)
        return len(line) if end < 0 else end + 2
    depth = 0
    for i in range(pos + 1, len(line)):
        if line[i] == "(":
            depth += 1
        elif line[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(line)


def _unbalanced(value: str) -> bool:
    last = value[-1]
    opening = {")": "(", "]": "[", "}": "{"}.get(last)
    if opening is None:
        return True  # ". : ! ?" at the end
    return value.count(opening) < value.count(last)


def _is_secret(level: Strength, key: str, value: str, quoted: bool, how: str, tail: str) -> bool:
    """`how`: "assign" (= or :), "flag" (--key value), "space" (key value), "phrase" (key is v);
    `tail`: the line after an unquoted value that followed a colon."""
    core = value.strip() if quoted else strip_value(value)
    if not core or is_placeholder(core) or is_placeholder(value) or is_variable(core):
        return False
    if _SUBSTITUTION.match(core) or (not quoted and _CODE.match(value)):
        return False  # $(cat f), ${{ secrets.X }}, os.environ["API_TOKEN"]
    if not quoted and (is_path(core) or value.startswith(("{", "["))):
        return False  # a path, or a structure whose own keys are scanned
    if _SPEC.match(core):
        return False  # --secret id=pip,src=...: options, scanned for their own keys
    ws = words(key)
    if ws[-2:] == ["secret", "id"] and is_resource_name(core, False):
        return False  # SecretId=prod/orders/db names a secret; Vault's secret_id is a UUID
    if ws and ws[-1] in ("key", "secret") and len(ws) > 1 and is_resource_name(core, False):
        return False  # passwordKey: admin-password, existingSecret: pg-credentials
    if _names_a_secret_object(ws) and is_resource_name(core):
        return False  # secret="shop/db-creds": a Secret named, not its content
    if how == "phrase":
        return looks_like_password(core)
    if how == "space":
        if core.startswith("-"):
            return False  # the next option, not a value
        if level == Strength.STRONG and (quoted or any(w in _PASSWORD_WORDS for w in ws)):
            return looks_like_password(core) or looks_random(core)
        if ws in (["bearer"], ["basic"], ["ssws"]):  # an Authorization scheme, away from its header
            return looks_like_password(core) or looks_random(core)
        return level >= Strength.MEDIUM and looks_random(core)
    if tail[:1] == " " and tail.strip() and core.isalpha():
        return False  # "oauth token: unexpected status 401", "random_password.db: Creating..."
    if level == Strength.STRONG or (how == "flag" and level >= Strength.MEDIUM):
        return quoted or core.lower() not in STOPWORDS
    if level == Strength.MEDIUM or (quoted and any(w in _PASSWORD_WORDS for w in ws)):
        return looks_like_password(core) or looks_random(core)  # {"pass": "Jaslo#galcil770"}
    return looks_random(core) and not is_uuid(core)  # Idempotency-Key: <uuid>


# "secret", "existingSecret", "tlsSecret": keys whose value is a Secret object's name.
_OBJECT_SECRET = frozenset(
    {"kubernetes", "k8s", "tls", "existing", "image", "pull", "docker", "registry", "target",
     "source", "credentials", "cert", "certificate", "sealed", "external", "vault", "ca"}
)  # fmt: skip


def _names_a_secret_object(ws: list[str]) -> bool:
    return bool(ws) and ws[-1] == "secret" and (len(ws) == 1 or ws[-2] in _OBJECT_SECRET)


def find_spans(line: str) -> list[tuple[int, int]]:
    """Spans of `line` that hold a secret named by a key before it."""
    spans: list[tuple[int, int]] = []
    low = line.lower()
    if len(low) != len(line):  # a few letters lowercase to two characters: keep offsets right
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in line)
    seen_end = -1
    for m in _STEM.finditer(low):
        if m.start() < seen_end:
            continue
        a, b = m.start(), m.end()
        a = _KEY_END.search(line, max(0, a - _KEY_MAX), a).start()  # type: ignore[union-attr]
        b = _KEY_START.match(line, b, b + _KEY_MAX).end()  # type: ignore[union-attr]
        if b - a >= _KEY_MAX or (a and line[a - 1] in _KEY_CHARS):
            seen_end = b
            continue  # a stem inside a long run (base64, a certificate) is no key
        seen_end = b
        while b > a and line[b - 1] in ".-":
            b -= 1
        before = line[a - 1] if a else ""
        if before in _NOT_BEFORE and not (before == ":" and line.startswith("_", a)):
            continue  # (npm's "//registry/:_authToken=" is a key after a colon)
        if before == "(" and _PAM.search(line, 0, a):
            continue
        span = _key_value(line, a, b)
        if span:
            spans.append(span)
            seen_end = max(seen_end, span[1])
    if "alue" in line:
        spans += _named_pairs(line)
    if "ookie" in line:
        spans += _cookie_values(line)
    return spans


_COOKIE_HEADER = re.compile(r"(?i)\b(?:set-)?cookie[\"']?\s*[:=]\s*")
_COOKIE_PAIR = re.compile(r"\s*(?P<name>[^=;,\s]+)=(?P<value>[^;,\s\"']*)")


def _cookie_values(line: str) -> list[tuple[int, int]]:
    """Session cookies by their value, whatever their name (`_oauth2_proxy=...`)."""
    spans = []
    for header in _COOKIE_HEADER.finditer(line):
        pos = header.end()
        while m := _COOKIE_PAIR.match(line, pos):
            if looks_random(m["value"], min_len=16) and not is_placeholder(m["value"]):
                spans.append(m.span("value"))
            pos = m.end()
            if not line.startswith(";", pos):
                break
            pos += 1
    return spans


def _named_pairs(line: str) -> list[tuple[int, int]]:
    spans = []
    for m in _NAMED_PAIR.finditer(line):
        group = next(g for g in ("vd", "vs", "v") if m.group(g) is not None)
        value = m.group(group)
        if strength(m["key"]) >= Strength.MEDIUM and value and not is_placeholder(value):
            spans.append(m.span(group))
    return spans


def _key_value(line: str, a: int, b: int) -> tuple[int, int] | None:
    key = line[a:b]
    # A quoted key: "password": / 'password' => / \"password\": / config['SECRET_KEY'] =
    p = b
    for quote in ('\\"', '"', "'"):
        if line.startswith(quote, b) and line[max(0, a - len(quote)) : a] == quote:
            p = b + len(quote) + (1 if line.startswith("]", b + len(quote)) else 0)
            break
    else:
        if line.startswith("]", b) and line[a - 1 : a] == "[":
            p = b + 1  # config[secret]=x
        value_like = a > 0 and line[a - 1] in "=:"  # "typ=JWT kid=x": the word is a value
        more = _MORE_KEY_WORDS.match(line, b) if key.isalpha() and not value_like else None
        if more:
            key, p = line[a : more.end()], more.end()
    ws = words(key)
    authorization = bool(ws) and ws[-1] == "authorization"
    level = Strength.STRONG if authorization else strength(key)
    qualified = level
    if level == Strength.WEAK and ws in (["key"], ["auth"]):
        qualified = _with_word_before(line, a, key)  # "api key x", "partition key=", "host key:"
        if qualified in (Strength.NONE, Strength.STRONG):
            level = qualified
    if level == Strength.NONE:
        return None
    q = p
    while q < len(line) and line[q] in " \t":
        q += 1
    spaced, how, colon = q > p, "space", False
    if line.startswith(("=>", ":="), q):
        how, q = "assign", q + 2
    elif q < len(line) and line[q] in "=:" and not line.startswith("://", q):
        how, q, colon = "assign", q + 1, line[q] == ":"
    elif line.startswith(">", q) and line[a - 1 : a] == "<":
        close = line.find("</", q)  # <password>x</password>
        if close > q + 1 and _is_secret(level, key, line[q + 1 : close], True, "assign", ""):
            return q + 1, close
        return None
    elif not spaced:
        return None
    elif is_flag(key):
        how = "flag"
    elif line[a - 1 : a] == "=":
        return None  # "-field=token auth/x": the word is itself a value
    while q < len(line) and line[q] in " \t":
        q += 1
    if how == "space":
        level = qualified  # "rejected key <random>": in prose the word before qualifies
        phrase = _PHRASE.match(line, p)
        later = _WORDS_THEN_COLON.match(line, p) if level == Strength.STRONG else None
        if phrase and (phrase["colon"] or not later):
            # "password for the release bot: x" assigns; "password is x" tells
            how, q, colon = ("assign" if phrase["colon"] else "phrase"), phrase.end(), True
        elif later:
            how, q = "phrase", later.end()
    if authorization and how == "assign":
        return _credentials(line, q)
    if how == "assign" and line.startswith("(", q):
        pair = _AUTH_TUPLE.match(line, q)  # auth=('user', 'password')
        return pair.span("v") if pair else None
    if how == "flag" and line.startswith("-", q):
        return None
    value = _value_at(line, q)
    if value is None:
        return None
    start, end, quoted = value
    if not quoted and _BYTES_AFTER.match(line, end):
        return None  # kubectl describe secret: "password:  24 bytes"
    if not quoted and line[end : end + 1] in ("'", '"') and _NEXT_KEY.fullmatch(line, start, end):
        return None  # <add key="Password" value="x"/>: the next attribute, not a value
    if not quoted and line[a - 1 : a] in ("(", ",", " ") and _CALL_ARGUMENT.match(line, start):
        return None  # get_secret_value(SecretId=secret_id): a variable passed on
    if not quoted and line[start:end].isalpha() and _NOT_A_VALUE_AFTER.match(line, end):
        return None
    tail = line[end:] if colon and not quoted else ""
    if _is_secret(level, key, line[start:end], quoted, how, tail):
        return start, end
    return None


def _credentials(line: str, q: int) -> tuple[int, int] | None:
    """An Authorization value: `<scheme> <credentials>` (Bearer, Basic, SSWS, GenieKey, ...) or
    the credentials alone; Go prints header maps as `Authorization:[Bearer x]`."""
    start = q + (1 if line[q : q + 1] in "\"'" else 0)
    scheme = _SCHEME.match(line, start)
    if scheme:
        start = scheme.end()
    elif line.startswith("[", start):
        start += 1
    value = _value_at(line, start)
    if value is None:
        return None
    core = line[value[0] : value[1]]
    if not core or is_placeholder(core) or core.lower() in STOPWORDS | _SCHEME_NAMES:
        return None
    return value[0], value[1]


_WORD_BEFORE = re.compile(r"([A-Za-z0-9]+)[ \t]+$")


def _with_word_before(line: str, a: int, key: str) -> Strength:
    """A short key qualified by the word before it: "api key" names a secret, "partition key"
    and "PRIMARY KEY" do not."""
    m = _WORD_BEFORE.search(line, max(0, a - 30), a)
    return strength(f"{m[1]}_{key}") if m else strength(key)
