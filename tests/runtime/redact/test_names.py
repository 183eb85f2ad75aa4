"""Layer: key names in every case style, and how strongly each names a secret (names.py)."""

from __future__ import annotations

import pytest

from runtime.redact.names import Strength, strength, words

STRONG, MEDIUM, WEAK, NONE = Strength.STRONG, Strength.MEDIUM, Strength.WEAK, Strength.NONE


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("secretAccessKey", ["secret", "access", "key"]),
        ("SecretAccessKey", ["secret", "access", "key"]),
        ("secret-access-key", ["secret", "access", "key"]),
        ("AWS_SECRET_ACCESS_KEY", ["aws", "secret", "access", "key"]),
        ("spring.datasource.password", ["spring", "datasource", "password"]),
        ("APIKey", ["api", "key"]),
        ("OAuthToken", ["o", "auth", "token"]),
        ("keyStorePassword", ["key", "store", "password"]),
    ],
)
def test_key_names_split_into_words_in_every_case_style(key, expected):
    assert words(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        "password", "PASSWORD", "db_password", "postgresPassword", "PGPASSWORD", "MYSQL_PWD",
        "passwd", "passphrase", "secret", "client_secret", "clientSecret", "accessToken",
        "refreshToken", "refresh_token", "X-Auth-Token", "api_key", "apiKey", "x-api-key",
        "dd-application-key", "secretAccessKey", "AWS_SECRET_ACCESS_KEY", "AccountKey",
        "SharedAccessKey", "private_key", "client-key-data", "DB_PASS", "SMTP_PASS", "--pass",
        "-storepass", "requirepass", "masterauth", "keyStorePassword", "credentials", "jwt",
        "Signature", "X-Amz-Signature", "secret_id", "authkey", "erlang_cookie", "PWD",
        "private_key_id", "psk",
    ],
)  # fmt: skip
def test_keys_that_name_a_secret(key):
    assert strength(key) == STRONG


@pytest.mark.parametrize(
    "key",
    [
        "secretName", "secret_name", "secretRef", "secretKeyRef", "token_type", "tokenUrl",
        "passwordPolicy", "password_min_length", "max_tokens", "tokens", "password_file",
        "passwordFile", "token_expiry", "tokenizer", "secretsmanager", "nextPageToken",
        "pageToken", "public_key", "primary_key", "partition_key", "host_key", "ssh_key",
        "Sec-WebSocket-Key", "password-stdin", "TokenService", "ExpiredJwtException",
        "auth-6zdpjfxrl6-2x5pm", "cookie", "Set-Cookie", "bypass", "compass", "keyboard",
        "passwordVariable", "access_key_id",
    ],
)  # fmt: skip
def test_keys_about_a_secret_or_named_like_one(key):
    assert strength(key) == NONE


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("PAYMENT_GATEWAY_KEY", MEDIUM),
        ("tls.key", MEDIUM),
        ("db_creds", MEDIUM),
        ("key", WEAK),
        ("pass", WEAK),
        ("auth", WEAK),
        ("sig", WEAK),
        ("session", WEAK),
        ("session_id", WEAK),
        ("routing_key", WEAK),  # PagerDuty's is a credential, AMQP's is not: the value decides
        ("cache_key", WEAK),
    ],
)
def test_keys_whose_value_decides(key, expected):
    assert strength(key) == expected
