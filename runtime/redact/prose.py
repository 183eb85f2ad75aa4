"""Passwords told in sentences: in Korean ("비밀번호: X", "임시 비밀번호는 X 입니다"), and a user
and password by a slash ("login with admin / X").

English sentences ("temporary password is X") are the key scanner's (context.py: the word is a
key and "is" a separator). Korean joins a particle to the word ("비밀번호는", "토큰이"), so it
gets its own pattern: the secret word, particles, then a value written in Latin letters, digits
and symbols (a Korean word after it, "비밀번호가 변경되었습니다", is a sentence, not a value).
"""

from __future__ import annotations

import re

from runtime.redact.values import MASK, is_resource_name, looks_like_password

_KOREAN = re.compile(
    r"(?P<word>비밀\s?번호|패스워드|암호|비번|토큰|인증\s?키|API\s?키|시크릿|액세스\s?키|비밀\s?키|개인\s?키"
    r"|접속\s?키|보안\s?키|앱\s?키|인증\s?토큰|액세스\s?토큰|시크릿\s?키|API\s?토큰)(?:\s?값)?"
    r"(?:는|은|이|가|를|을|로|으로|도|만)?\s*(?:[:=\uff1a]\s*|(?:은|는)?\s+)?"
    r"(?P<q>['\"\u2018\u201c\u300c]?)(?P<v>[\x21-\x7e]+)",
    re.IGNORECASE,
)
_HINT = re.compile(r"비밀|패스워드|암호|비번|토큰|키|시크릿")
# "새 비밀번호가 설정되었습니다: X": the word, a few Korean words, then a colon and the value.
_KOREAN_COLON = re.compile(
    r"(?:비밀\s?번호|패스워드|암호|비번|토큰|시크릿)[가-힣\s]{1,30}[:\uff1a]\s*(?P<v>[\x21-\x7e]+)"
)
# "login with admin / s3cret", "credentials: deploy / s3cret": a user and a password by a slash.
_USER_SLASH_PASSWORD = re.compile(
    r"(?i)\b(?:log\s?in|sign\s?in|credentials?|creds|account)\b(?:\s+(?:with|as|is|are|:))?"
    r"\s*:?\s+[\w.@-]{2,32}\s+/\s+(?P<v>[^\s/]{4,})"
)


def find_spans(line: str) -> list[tuple[int, int]]:
    spans = []
    if " / " in line:
        for m in _USER_SLASH_PASSWORD.finditer(line):
            if looks_like_password(m["v"]) and MASK not in m["v"]:
                spans.append(m.span("v"))
    if not _HINT.search(line):
        return spans
    for m in _KOREAN_COLON.finditer(line):
        if looks_like_password(m["v"]) and MASK not in m["v"]:
            spans.append(m.span("v"))
    for m in _KOREAN.finditer(line):
        start, end = m.span("v")
        if MASK in m["v"]:
            continue
        while end > start and line[end - 1] in "'\".,;:!?)]}\u2019\u201d\u300d":
            end -= 1
        value = line[start:end]
        if not value or not (m["q"] or looks_like_password(value)):
            continue
        if m["word"].startswith("시크릿") and is_resource_name(value, False):
            continue  # "시크릿 shop/db-creds 을(를) 읽을 권한이 없습니다": a Secret named
        spans.append((start, end))
    return spans


def mask_prose(line: str) -> str:
    for start, end in reversed(find_spans(line)):
        line = line[:start] + MASK + line[end:]
    return line
