"""Layer: passwords told in sentences, Korean and "user / password" (prose.py)."""

from __future__ import annotations

import pytest

from runtime.redact import prose
from tests.runtime.redact.helpers import masked

M = "[REDACTED]"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("비밀번호: abc123!", f"비밀번호: {M}!"),
        ("임시 비밀번호는 Tq7#kk21 입니다", f"임시 비밀번호는 {M} 입니다"),
        ("초기 비밀번호 Init#2024 로 로그인하세요", f"초기 비밀번호 {M} 로 로그인하세요"),
        ("패스워드는 ciltav-dormek-kagal33 로 설정했습니다", f"패스워드는 {M} 로 설정했습니다"),
        ("토큰 값: -85FjJyJT0ecmXXzrJUWTUqIw74os", f"토큰 값: {M}"),
        ("시크릿 키: 7nyMbF+4nhS6VhAjfuiVGYbIyL0D (운영)", f"시크릿 키: {M} (운영)"),
        (
            "login with admin / vSkV05tNxg (please rotate)",
            f"login with admin / {M} (please rotate)",
        ),
    ],
)
def test_passwords_in_sentences(line, expected):
    assert masked(prose.find_spans, line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "비밀번호가 변경되었습니다",
        "인증 실패: 비밀번호가 일치하지 않습니다",
        "토큰이 만료되었습니다",
        "비밀번호는 8자 이상이어야 합니다",
        "암호화 알고리즘 AES256 사용",
        "시크릿 shop/db-creds 을(를) 읽을 권한이 없습니다 (403)",
        "login with admin / (no password set)",
        "GET /api / 200",
    ],
)
def test_sentences_about_passwords_stay(line):
    assert masked(prose.find_spans, line) == line
