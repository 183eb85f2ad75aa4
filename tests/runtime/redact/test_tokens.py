"""Layer: provider token formats (runtime/redact/tokens.py)."""

from __future__ import annotations

import random
import re
import string

import pytest

from runtime.redact.tokens import _HINTS, FORMATS, mask_tokens, trie

rng = random.Random(7)


def chars(alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPPER = string.ascii_uppercase + string.digits
# One fake, format-valid example of every format in the table (a new format needs one here).
EXAMPLES = {
    "aws-access-key-id": "AKIA" + chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
    "aws-session-token": "IQoJb3JpZ2luX2Vj" + chars(ALNUM + "+/", 120),
    "aws-bedrock-api-key": "ABSK" + chars(ALNUM, 130),
    "gcp-api-key": "AIza" + chars(ALNUM + "_-", 35),
    "gcp-oauth-access-token": "ya29." + chars(ALNUM + "_-", 60),
    "gcp-oauth-refresh-token": "1//0" + chars(ALNUM + "_-", 40),
    "azure-ad-client-secret": "abc8Q~" + chars(ALNUM + "_~.-", 34),
    "alibaba-access-key-id": "LTAI" + chars(ALNUM, 20),
    "digitalocean-token": "dop_v1_" + chars(HEX, 64),
    "heroku-api-key": "HRKU-AA" + chars(ALNUM + "_-", 58),
    "fly-io-token": "fm2_" + chars(ALNUM + "+/", 80),
    "cloudflare-origin-ca-key": "v1.0-" + chars(HEX, 24) + "-" + chars(HEX, 146),
    "github-token": "ghp_" + chars(ALNUM, 36),
    "github-fine-grained-pat": "github_pat_11" + chars(ALNUM, 20) + "_" + chars(ALNUM, 59),
    "gitlab-token": "glpat-" + chars(ALNUM + "_-", 20),
    "gitlab-runner-registration-token": "GR1348941" + chars(ALNUM, 20),
    "bitbucket-app-password": "ATBB" + chars(ALNUM, 32),
    "atlassian-api-token": "ATATT3" + chars(ALNUM + "_-", 180),
    "buildkite-token": "bkua_" + chars(HEX, 40),
    "circleci-token": "CCIPAT_" + chars(ALNUM, 40),
    "sonar-token": "squ_" + chars(HEX, 40),
    "sourcegraph-token": "sgp_" + chars(HEX, 40),
    "npm-token": "npm_" + chars(ALNUM, 36),
    "pypi-token": "pypi-AgEIcHlwaS5vcmc" + chars(ALNUM + "_-", 70),
    "rubygems-token": "rubygems_" + chars(HEX, 48),
    "docker-hub-token": "dckr_pat_" + chars(ALNUM + "_-", 27),
    "nuget-api-key": "oy2" + chars(string.ascii_lowercase + string.digits, 43),
    "clojars-token": "CLOJARS_" + chars(string.ascii_lowercase + string.digits, 60),
    "artifactory-token": "AKCp" + chars(ALNUM, 69),
    "hugging-face-token": "hf_" + chars(string.ascii_letters, 34),
    "slack-token": "xoxb-123456789012-1234567890123-" + chars(ALNUM, 24),
    "slack-config-token": "xoxe.xoxp-1-" + chars(ALNUM, 160),
    "slack-app-token": "xapp-1-A0123456789-1234567890123-" + chars(HEX, 64),
    "slack-webhook": "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/" + chars(ALNUM, 24),
    "discord-webhook": "https://discord.com/api/webhooks/1234567890123/" + chars(ALNUM, 68),
    "telegram-bot-token": "123456789:AA" + chars(ALNUM + "_-", 33),
    "teams-webhook": "https://acme.webhook.office.com/webhookb2/" + chars(HEX + "@/-", 120),
    "mattermost-webhook": "https://chat.example/hooks/" + chars("abcdefghijkmnopqrstuvwxyz13", 26),
    "linear-api-key": "lin_api_" + chars(ALNUM, 40),
    "notion-token": "ntn_" + chars(string.digits, 11) + chars(ALNUM, 35),
    "postman-api-key": "PMAK-" + chars(HEX, 24) + "-" + chars(HEX, 34),
    "grafana-service-account-token": "glsa_" + chars(ALNUM, 32) + "_" + chars(HEX, 8),
    "grafana-cloud-token": "glc_" + chars(ALNUM, 60),
    "grafana-api-key": "eyJrIjoi" + chars(ALNUM, 70),
    "new-relic-key": "NRAK-" + chars(UPPER, 27),
    "sentry-token": "sntrys_" + chars(ALNUM, 60),
    "dynatrace-token": "dt0c01." + chars(UPPER, 24) + "." + chars(UPPER, 64),
    "honeycomb-key": "hcaik_" + chars(string.ascii_lowercase + string.digits, 58),
    "stripe-key": "sk_live_" + chars(ALNUM, 24),
    "stripe-webhook-secret": "whsec_" + chars(ALNUM, 32),
    "square-token": "sq0atp-" + chars(ALNUM + "_-", 22),
    "shopify-token": "shpat_" + chars(HEX, 32),
    "braintree-token": "access_token$production$" + chars(HEX, 16) + "$" + chars(HEX, 32),
    "facebook-access-token": "EAAB" + chars(ALNUM, 120),
    "flutterwave-key": "FLWSECK_TEST-" + chars("abcdefgh0123456789", 32) + "-X",
    "sendgrid-api-key": "SG." + chars(ALNUM + "_-", 22) + "." + chars(ALNUM + "_-", 43),
    "sendinblue-api-key": "xkeysib-" + chars(HEX, 64) + "-" + chars(ALNUM, 16),
    "mailgun-api-key": "key-" + chars(HEX, 32),
    "mailchimp-api-key": chars(HEX, 32) + "-us14",
    "twilio-api-key": "SK" + chars(HEX, 32),
    "anthropic-api-key": "sk-ant-api03-" + chars(ALNUM + "_-", 93) + "AA",
    "openai-api-key": "sk-proj-" + chars(ALNUM + "_-", 150),
    "perplexity-api-key": "pplx-" + chars(ALNUM, 48),
    "groq-api-key": "gsk_" + chars(ALNUM, 52),
    "replicate-token": "r8_" + chars(ALNUM, 37),
    "vault-token": "hvs." + chars(ALNUM + "_-", 90),
    "terraform-cloud-token": chars(ALNUM, 14) + ".atlasv1." + chars(ALNUM + "_-", 67),
    "doppler-token": "dp.pt." + chars(ALNUM, 43),
    "pulumi-token": "pul-" + chars(HEX, 40),
    "onepassword-token": "ops_eyJ" + chars(ALNUM, 250),
    "onepassword-secret-key": "A3-" + "-".join(chars(UPPER, n) for n in (6, 11, 5, 5, 5)),
    "age-secret-key": "AGE-SECRET-KEY-1" + chars("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
    "databricks-token": "dapi" + chars(HEX, 32),
    "planetscale-token": "pscale_tkn_" + chars(ALNUM, 43),
    "supabase-token": "sbp_" + chars(HEX, 40),
    "openshift-token": "sha256~" + chars(ALNUM + "_-", 43),
    "prefect-token": "pnu_" + chars(ALNUM, 36),
    "readme-token": "rdme_" + chars(string.ascii_lowercase + string.digits, 70),
    "scalingo-token": "tk-us-" + chars(ALNUM + "_-", 48),
    "infracost-token": "ico-" + chars(ALNUM, 32),
    "frameio-token": "fio-u-" + chars(ALNUM + "_-", 64),
    "easypost-token": "EZAK" + chars(ALNUM, 54),
    "duffel-token": "duffel_live_" + chars(ALNUM + "_-", 43),
    "mapbox-secret-token": "sk.eyJ" + chars(ALNUM, 60) + "." + chars(ALNUM, 22),
    "adobe-client-secret": "p8e-" + chars(ALNUM, 32),
    "maxmind-license-key": chars(ALNUM, 6) + "_" + chars(ALNUM, 29) + "_mmk",
    "harness-token": "pat." + chars(ALNUM, 22) + "." + chars(ALNUM, 24) + "." + chars(ALNUM, 20),
    "tailscale-key": "tskey-auth-k" + chars(ALNUM, 16) + "-" + chars(ALNUM, 32),
    "discord-bot-token": "MTE4ODg1MzM1MjE0NjYyODEyMg." + chars(ALNUM, 6) + "." + chars(ALNUM, 38),
    "crypt-hash": "$2y$10$" + chars(ALNUM + "./", 53),
    "argon2-hash": "$argon2id$v=19$m=65536,t=3,p=4$" + chars(ALNUM, 22) + "$" + chars(ALNUM, 43),
    "scram-hash": "SCRAM-SHA-256$4096:" + chars(ALNUM, 24) + "$" + chars(ALNUM, 44),
    "postgres-md5-hash": "md5" + chars(HEX, 32),
    "nats-nkey-seed": "SUA" + chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 55),
    "twilio-auth-token": '"AC' + chars(HEX, 32) + '", "' + chars(HEX, 32) + '"',
    "mysql-native-hash": "*" + chars("0123456789ABCDEF", 40),
    "ldap-hash": "{SSHA}" + chars(ALNUM + "+/", 32),
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0." + chars(ALNUM + "_-", 43),
    "jwe": "eyJhbGciOiJSU0EtT0FFUCJ9." + ".".join(chars(ALNUM + "_-", n) for n in (40, 22, 60, 22)),
}


def test_every_format_has_an_example():
    assert {f.name for f in FORMATS} == set(EXAMPLES)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_format_is_masked_in_a_line_and_its_prefix_kept(fmt):
    token = EXAMPLES[fmt.name]
    line = f"2026-11-30T01:02:03Z INFO client configured with {token} for upstream"
    out = mask_tokens(line)
    assert "[REDACTED]" in out, out
    kept = fmt.pattern.search(token)["keep"]
    assert kept + "[REDACTED]" in out
    assert len(out) < len(line)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_match_contains_a_hint(fmt):
    """The hint pre-check must never hide a format: its match always holds one of its hints."""
    match = fmt.pattern.search(EXAMPLES[fmt.name])[0]
    assert any(h in match for h in fmt.hints.split())
    assert _HINTS.search(match)


@pytest.mark.parametrize(
    "text",
    [
        "task-" + "a" * 40,  # "sk-" inside a word is not an OpenAI key
        "the desk_live_ event",
        "GET /api/v1/orders/ghp_ 404",
        "digest sha256:" + "ab" * 32,
        "commit 3f2a9c1b7d8e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "GMT+0900 SUCCESS Operation completed",
    ],
)
def test_shapes_that_are_not_tokens_stay(text):
    assert mask_tokens(text) == text


def test_masking_twice_changes_nothing():
    line = " ".join(EXAMPLES.values())
    once = mask_tokens(line)
    assert mask_tokens(once) == once


def test_trie_matches_exactly_its_words():
    pattern = re.compile(f"^(?:{trie(['ab', 'abc', 'b-', 'x.y'])})$")
    assert [w for w in ["ab", "abc", "b-", "x.y", "a", "abcd", "xy"] if pattern.match(w)] == [
        "ab",
        "abc",
        "b-",
        "x.y",
    ]
