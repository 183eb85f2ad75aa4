"""Layer: credentials in URLs, and e-mail addresses (urls.py)."""

from __future__ import annotations

import pytest

from runtime.redact.urls import mask_emails, mask_url_credentials

M = "[REDACTED]"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("postgres://app:s3cr3t!@db.shop:5432/orders", f"postgres://app:{M}@db.shop:5432/orders"),
        ("redis://:hunter2@cache:6379/0", f"redis://:{M}@cache:6379/0"),
        ("mongodb+srv://u:p%40ss@c0.mongodb.net/x", f"mongodb+srv://u:{M}@c0.mongodb.net/x"),
        ("https://8f3a9c1b7d8e4f5a6b7c8d9e0f1a2b3c@o12.ingest.sentry.io/4", f"https://{M}@o12.ingest.sentry.io/4"),
        ("connect orders_svc:czWTcnqZel@tcp(db:3306)/orders", f"connect orders_svc:{M}@tcp(db:3306)/orders"),
        ("GET /cb?state=x&code=4/0ABavVIVMDQLbh7L0Ktjt951yULRL HTTP/1.1", f"GET /cb?state=x&code={M} HTTP/1.1"),
    ],
)  # fmt: skip
def test_url_credentials(line, expected):
    assert mask_url_credentials(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "connecting to postgresql://user@db.example.com:5432/app",
        "DATABASE_URL=postgres://app:****@db-prod-01.internal:5432/inventory",
        "https://grafana.example/d/abc?orgId=1&from=now-6h",
        "GET /search?code=ERR_TIMEOUT&page=2",
    ],
)
def test_urls_without_credentials_stay(line):
    assert mask_url_credentials(line) == line


def test_emails_are_personal_data_but_ssh_users_and_url_users_are_not():
    assert mask_emails("mail from kim.minsu@example.co.kr failed") == "mail from [EMAIL] failed"
    assert mask_emails("git@github.com:org/repo.git") == "git@github.com:org/repo.git"
    assert mask_emails("postgresql://app@db.example.com/x") == "postgresql://app@db.example.com/x"
