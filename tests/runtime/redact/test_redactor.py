"""The Redactor as a whole: secrets and addresses never survive, ordinary text does, and
redacting twice changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.redact import Redactor, redact

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


# -- the Redactor as the rest of the pack uses it ----------------------------------------------


def test_masked_form_says_what_was_there():
    assert redact("password=hunter2") == "password=[REDACTED]"
    assert redact("token ghp_" + "a1B2" * 9) == "token ghp_[REDACTED]"
    assert redact("postgres://app:pw123@db:5432/x") == "postgres://app:[REDACTED]@db:5432/x"


def test_site_patterns_are_applied_after_the_built_in_layers():
    r = Redactor(extra_patterns=[r"EMP-\d{6}", r"(?i)project-falcon"])
    assert r("employee EMP-123456 on Project-Falcon") == "employee [REDACTED] on [REDACTED]"
    assert r("password=hunter2") == "password=[REDACTED]"


def test_bad_site_patterns_are_a_settings_error():
    from runtime.redact import parse_patterns

    assert parse_patterns("EMP-\\d+\n\n  \nfoo") == ("EMP-\\d+", "foo")
    with pytest.raises(ValueError, match="not a regular expression"):
        parse_patterns("ok\n(unclosed")


def test_walk_redacts_every_string_at_any_depth_and_keeps_the_rest():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Alert:
        labels: dict
        annotations: dict
        count: int = 3
        lines: tuple = ()
        tags: list = field(default_factory=list)

    a = Alert(
        labels={"pod": "api-7f9", "db_password": "hunter2"},
        annotations={"description": "login failed token=ghp_" + "a1B2" * 9},
        lines=("ok", "password=hunter2"),
        tags=[{"note": "mail kim@example.com"}],
    )
    out = Redactor().walk(a)
    assert out.labels == {"pod": "api-7f9", "db_password": "[REDACTED]"}
    assert out.annotations["description"] == "login failed token=ghp_[REDACTED]"
    assert out.lines == ("ok", "password=[REDACTED]")
    assert out.tags == [{"note": "mail [EMAIL]"}]
    assert out.count == 3
    assert a.labels["db_password"] == "hunter2"  # a copy: the original is left as it was
    plain = Alert(labels={"pod": "api"}, annotations={})
    assert Redactor().walk(plain) is plain  # nothing to change, nothing copied


def _single_lines(name: str) -> list[str]:
    from tests.corpus.redaction.scoring import load

    announces = ("name:", "data:", "$ ", "# ", "+ ", "Private-Lines", "UGFzc3dvcmQ6", "|", ">")
    return [
        e["text"]
        for e in load(name)
        if "\n" not in e["text"]
        and not e["text"].rstrip().endswith((":", "\uff1a", "|", ">", "|-"))
        and not any(a in e["text"] for a in announces)
    ]


LINES = _single_lines("secrets.jsonl") + _single_lines("harmless.jsonl")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=2, max_size=6))
def test_no_pattern_crosses_a_line_break(lines):
    """Lines redacted together are the lines redacted one by one: only blocks (PEM, PGP) and
    values announced by the line before may span lines."""
    assert redact("\n".join(lines)) == "\n".join(redact(line) for line in lines)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LINES), noise, noise)
def test_corpus_lines_with_noise_around_are_idempotent(line, before, after):
    out = redact(f"{before} {line} {after}")
    assert redact(out) == out
