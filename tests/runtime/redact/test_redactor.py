"""integrations.redact: secrets and addresses never survive; everything else does."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.redact import Redactor, redact

SECRETS = [
    ("Authorization: Bearer eyJabc.def.ghi123456", "eyJabc.def.ghi123456"),
    ("curl -H 'authorization: Basic dXNlcjpwYXNzd29yZA=='", "dXNlcjpwYXNzd29yZA=="),
    ("postgres://app:s3cr3t!@db.shop:5432/orders", "s3cr3t!"),
    ("redis://:hunter2@cache:6379/0", "hunter2"),
    ("Server=db;User Id=sa;Password=Pa55word;", "Pa55word"),
    ('{"password": "swordfish", "user": "bob"}', "swordfish"),
    ("DB_PASSWORD=letmein app starting", "letmein"),
    ("aws key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
    ("token xoxb-123456789012-abcdefghijklmnop", "xoxb-123456789012"),
    ("https://hooks.slack.com/services/T000/B000/abcdefXYZ", "abcdefXYZ"),
    ("GET /cb?api_key=12345abc&x=1", "12345abc"),
    ("--client-secret topsecretvalue --v=2", "topsecretvalue"),
    ("mail from kim.minsu@example.co.kr failed", "kim.minsu@example.co.kr"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "MIIEow"),
    ("github ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdef"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_secret_is_removed(text, secret):
    out = redact(text)
    assert secret not in out
    assert "[REDACTED]" in out or "[EMAIL]" in out


@pytest.mark.parametrize(
    "text",
    [
        "GET /health 200 in 3ms",
        "bypass=1 author: kim",
        "error: connection refused",
        "token count 5",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_mapping_masks_values_of_secret_keys_and_extra_patterns():
    r = Redactor(extra_patterns=[r"EMP-\d{6}"])
    assert r.mapping({"db_password": "x", "pod": "api", "note": "id EMP-123456"}) == {
        "db_password": "[REDACTED]",
        "pod": "api",
        "note": "id [REDACTED]",
    }


noise = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(noise, st.sampled_from(SECRETS), noise)
def test_embedded_secrets_never_survive_and_redaction_is_idempotent(before, case, after):
    text, secret = case
    out = redact(f"{before} {text} {after}")
    assert secret not in out or secret in before or secret in after
    assert redact(out) == out


@settings(max_examples=300, deadline=None)
@given(noise)
def test_idempotent_on_anything(text):
    assert redact(redact(text)) == redact(text)
