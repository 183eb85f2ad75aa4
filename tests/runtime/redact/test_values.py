"""Layer: the randomness test and the shapes of values that are not secrets (values.py)."""

from __future__ import annotations

import pytest

from runtime.redact.values import (
    entropy,
    is_placeholder,
    is_resource_name,
    looks_like_password,
    looks_random,
)


@pytest.mark.parametrize(
    "value",
    [
        "q8Vt2mXr9Lp4ZkW7nB3cYd6",
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA",
        "3f2a9c1b7d8e4f5a6b7c8d9e0f1a2b3c",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCY1x2y3z4AbC",
        "Xk9#mP2q",
        "550e8400-e29b-41d4-a716-446655440000",
    ],
)
def test_generated_values_look_random(value):
    assert looks_random(value)


@pytest.mark.parametrize(
    "value",
    [
        "rotation",
        "succeeded",
        "authentication",
        "TokenExpiredError",
        "keyvault-secrets-provider",
        "user:4411:profile",
        "cron:report-daily",
        "images/2024/06/a1cc248d-9e34-4ab4-a9a7-a728c0d62ad0.webp",
        "2026-11-30T01:02:03Z",
        "v1.28.3+k3s1",
        "10.0.3.4:8080",
        "/var/run/secrets/kubernetes.io/serviceaccount/token",
        "1234567",
        "NEXUS_PASS",
        "short",
    ],
)
def test_words_names_numbers_and_paths_do_not(value):
    assert not looks_random(value)


@pytest.mark.parametrize("value", ["hunter2", "Summer2024!", "s3cr3t!", "Tq7#kk21"])
def test_chosen_passwords_look_like_passwords(value):
    assert looks_like_password(value)


@pytest.mark.parametrize("value", ["incorrect", "invalid", "required", "expired", "YES", "set"])
def test_words_about_a_password_do_not(value):
    assert not looks_like_password(value)


@pytest.mark.parametrize(
    "value",
    [
        "[REDACTED]", "********", "***", "<redacted>", "${DB_PASSWORD}", "$DB_PASSWORD",
        "$(cat /run/secrets/db)", "{{ .Values.password }}", "${{ secrets.TOKEN }}", "true",
        "null", "~", "ghp_************************************", "$1", "String!", r"\S+",
    ],
)  # fmt: skip
def test_placeholders_and_references(value):
    assert is_placeholder(value)


def test_entropy_counts_bits_per_character():
    assert entropy("aaaa") == 0
    assert entropy("abcd") == 2


@pytest.mark.parametrize(
    ("value", "single_word", "expected"),
    [
        ("shop/db-creds", True, True),
        ("regcred", True, True),
        ("regcred", False, False),
        ("sh.helm.release.v1.checkout.v39", True, True),
        ("q8Vt2mXr9Lp4ZkW7nB3cYd6", True, False),
    ],
)
def test_resource_names(value, single_word, expected):
    assert is_resource_name(value, single_word) == expected
