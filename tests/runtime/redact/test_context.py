"""Layer: secrets named by a key, in every syntax (context.py)."""

from __future__ import annotations

import pytest

from runtime.redact import context
from tests.runtime.redact.helpers import masked

M = "[REDACTED]"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("password=hunter2 user=bob", f"password={M} user=bob"),
        ("password: hunter2", f"password: {M}"),
        ('{"password":"hunter2","user":"bob"}', f'{{"password":"{M}","user":"bob"}}'),
        ('{"msg":"{\\"password\\":\\"hunter2\\"}"}', f'{{"msg":"{{\\"password\\":\\"{M}\\"}}"}}'),
        ("'password' => 'hunter2'", f"'password' => '{M}'"),
        ("app.config['SECRET_KEY'] = 'dca47d551c9da5dc'", f"app.config['SECRET_KEY'] = '{M}'"),
        ("export PAYMENT_GATEWAY_SECRET=pg_9f8e7d", f"export PAYMENT_GATEWAY_SECRET={M}"),
        ('"SecretAccessKey": "wJalrXUtnFEMIK7MDENG"', f'"SecretAccessKey": "{M}"'),
        ("accessToken=abc.def.ghi refreshToken: r-2", f"accessToken={M} refreshToken: {M}"),
        ("dd-application-key=0123456789abcdef", f"dd-application-key={M}"),
        ("--password hunter2 --user bob", f"--password {M} --user bob"),
        ("--token=abc123def", f"--token={M}"),
        ("keytool -storepass chang3it", f"keytool -storepass {M}"),
        ("-Djavax.net.ssl.keyStorePassword=s3cret", f"-Djavax.net.ssl.keyStorePassword={M}"),
        ("<password>hunter2</password>", f"<password>{M}</password>"),
        ("Authorization: Bearer abc.def", f"Authorization: Bearer {M}"),
        ("Authorization: SSWS 00abcDEF123", f"Authorization: SSWS {M}"),
        ("Authorization: GenieKey 1f2e3d4c", f"Authorization: GenieKey {M}"),
        ("map[Authorization:[Basic dXNlcjpw]]", f"map[Authorization:[Basic {M}]]"),
        ("Unseal Key 1: qtMIsNDEuvmFVxs1j6Vdzv/opy7lNT6z=", f"Unseal Key 1: {M}"),
        ("Secret ID   = 928d6add-2fb3-40cb-8844-82bd34a910cb", f"Secret ID   = {M}"),
        ("the secret q8Vt2mXr9Lp4ZkW7nB3cYd6 is live", f"the secret {M} is live"),
        ("temporary password is Xk9!pq2z", f"temporary password is {M}"),
        ("set the password to quimi-pelzen62 now", f"set the password to {M} now"),
        ("app password for the release bot: grab-pgvf-wwxj", f"app password for the release bot: {M}"),
        ('{"name":"DB_PASSWORD","value":"rudka-36"}', f'{{"name":"DB_PASSWORD","value":"{M}"}}'),
        ('<add key="Password" value="p4ss" />', f'<add key="Password" value="{M}" />'),
        ("auth=('ACb5a471', '3e81308d9f4763f8')", f"auth=('ACb5a471', '{M}')"),
        ("Set-Cookie: _oauth2_proxy=5h0LVW71XmLIfO73df5ai; Path=/", f"Set-Cookie: _oauth2_proxy={M}; Path=/"),
        ("//registry.npmjs.org/:_authToken=npm-xyz-123", f"//registry.npmjs.org/:_authToken={M}"),
        ("wg set wg0 private-key <(echo KqGOyzo4JNSuz0zdEIjONrs9=)", f"wg set wg0 private-key <(echo {M})"),
    ],
)  # fmt: skip
def test_secret_values_are_masked_and_their_keys_kept(line, expected):
    assert masked(context.find_spans, line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "(using password: YES)",
        "level=info pass=3 msg=ok",
        "retry pass=2/5 backoff=400ms",
        "PWD=/app",
        "persist-credentials: true",
        "password:  24 bytes",
        'secret="shop/db-creds" loaded',
        'Created secret "sh.helm.release.v1.checkout.v39"',
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
        "oauth token: unexpected status 401",
        "secret rotation succeeded",
        "token bucket refilled tokens=42 max_tokens=1024",
        "password reset requested for user 4411",
        "invalid password for user admin",
        "token_type=Bearer expires_in=3600",
        "password=******** token=[REDACTED] secret=${DB_SECRET}",
        "NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
        "export POSTGRES_PASSWORD=$(kubectl get secret pg -o jsonpath='{.data.password}')",
        'token = os.environ["API_TOKEN"]',
        "Masking secret: NEXUS_PASS",
        "cache miss key=user:4411:profile ttl=300",
        "partition key=user#4411 sort key=2024-06-11",
        "ERROR: duplicate key value violates unique constraint (id)=(4411)",
        "Server host key: ssh-ed25519 SHA256:3MksatnrBYcxuLAiAgfgwyBPlspwph477pKggB6",
        "Idempotency-Key: a3db6128-710e-437f-91ca-a71a74251717",
        '{"nextPageToken":"eyJvZmZzZXQiOjIwMH0="}',
        "adminPasswordKey: postgres-password",
        "existingSecret: pg-credentials",
        "random_password.db: Creating...",
        "mutation resetPassword($token: String!, $newPassword: String!)",
        "pam_unix(passwd:chauthtok): password changed for ops",
        "docker buildx build --secret id=pip_conf,src=/home/ci/pip.conf .",
        "TypeError: Cannot read properties of undefined (reading 'token')",
        "at com.example.auth.TokenService.get(TokenService.java:88)",
        "no user/password was provided for basic authentication",
        "Authorization: Bearer",
    ],
)
def test_words_about_secrets_are_left_alone(line):
    assert masked(context.find_spans, line) == line


def test_no_value_is_taken_from_the_next_line():
    assert context.find_spans("password:") == []
    assert context.find_spans("password:   ") == []
