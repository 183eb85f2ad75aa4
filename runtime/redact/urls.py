"""Credentials inside URLs, and e-mail addresses (personal data, masked as `[EMAIL]`).

`postgres://app:SECRET@db:5432/orders` keeps the scheme, user and host; `redis://:SECRET@cache`
too. A user part with no password is shown unless it looks generated (a Sentry DSN's key,
`https://ghp_...@github.com`): `postgresql://app@db.shop.svc` names a user, not a secret, and is
not an e-mail address either.
"""

from __future__ import annotations

import re

from runtime.redact.values import EMAIL_MASK, MASK, is_placeholder, looks_random

_USERINFO = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.-]*://)(?P<user>[^\s:/@\"'<>|]*)(?::(?P<password>[^\s@/\"'<>|]+))?@"
    r"(?=[\w\[])",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"(?<![\w.+%-])(?<!//)(?P<local>[A-Za-z0-9._%+-]+)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}\b"
)
# Go's MySQL driver: user:password@tcp(host:3306)/db; Oracle's jdbc:oracle:thin:user/password@
_GO_MYSQL_DSN = re.compile(r"(?P<head>[\w.-]+:)(?P<password>[^\s@:/()]+)(?=@(?:tcp|unix)\()")
_ORACLE_JDBC = re.compile(
    r"(?P<head>jdbc:oracle:(?:thin|oci8?):[\w$#.-]+/)(?P<password>[^\s@/\"']+)(?=@)"
)
_NOT_PEOPLE = frozenset({"git", "noreply", "no-reply", "donotreply", "mailer-daemon", "root"})


# OAuth's authorization code and PKCE verifier in a query string: short-lived credentials.
_QUERY_CODE = re.compile(r"(?<=[?&])(?:code|code_verifier|otp)=(?P<v>[^\s&#\"']{20,})")


def mask_url_credentials(line: str) -> str:
    if "code" in line:
        line = _QUERY_CODE.sub(
            lambda m: m[0] if not looks_random(m["v"]) else m[0][: m.start("v") - m.start()] + MASK,
            line,
        )
    if "@tcp(" in line or "@unix(" in line:
        line = _GO_MYSQL_DSN.sub(_password, line)
    if "jdbc:oracle:" in line:
        line = _ORACLE_JDBC.sub(_password, line)
    if "://" not in line:
        return line
    return _USERINFO.sub(_userinfo, line)


def _password(m: re.Match[str]) -> str:
    return m["head"] + (m["password"] if is_placeholder(m["password"]) else MASK)


def _userinfo(m: re.Match[str]) -> str:
    user, password = m["user"], m["password"]
    if password is not None:
        if password == MASK or is_placeholder(password):
            return m[0]
        return f"{m['head']}{user}:{MASK}@"
    if user and user != MASK and looks_random(user, min_len=16):
        return f"{m['head']}{MASK}@"
    return m[0]


def mask_emails(line: str) -> str:
    if "@" not in line:
        return line
    return _EMAIL.sub(lambda m: m[0] if m["local"].lower() in _NOT_PEOPLE else EMAIL_MASK, line)
