"""Layer: key blocks, and values the line before announced (blocks.py).

Only blocks cross a line break; everything else is decided line by line."""

from __future__ import annotations

import pytest

from runtime.redact import redact
from runtime.redact.blocks import mask_key_blocks

M = "[REDACTED]"
BODY = "MIIEowIBAAKCAQEA1x2y3z4AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.mark.parametrize(
    "kind",
    ["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY",
     "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "OpenVPN Static key V1"],
)  # fmt: skip
def test_key_blocks_are_masked_whole_header_kept(kind):
    text = f"before\n-----BEGIN {kind}-----\n{BODY}\n{BODY}\n-----END {kind}-----\nafter"
    assert mask_key_blocks(text) == f"before\n-----BEGIN {kind}-----{M}-----END {kind}-----\nafter"


def test_a_key_block_cut_off_is_masked_to_the_end_and_escaped_breaks_too():
    assert BODY not in mask_key_blocks(f"key: -----BEGIN PRIVATE KEY-----\n{BODY}")
    json_line = (
        f'{{"private_key": "-----BEGIN PRIVATE KEY-----\\n{BODY}\\n-----END PRIVATE KEY-----\\n"}}'
    )
    assert BODY not in redact(json_line)


def test_public_keys_and_certificates_stay():
    text = f"-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "env:\n- name: AWS_SECRET_ACCESS_KEY\n  value: wJalrXUtnFEMIK7MDENG\n- name: LOG_LEVEL\n  value: debug",
            f"env:\n- name: AWS_SECRET_ACCESS_KEY\n  value: {M}\n- name: LOG_LEVEL\n  value: debug",
        ),
        (
            '{\n  "name": "DB_PASSWORD",\n  "value": "dorpel-sorlo-cilvin36"\n}',
            f'{{\n  "name": "DB_PASSWORD",\n  "value": "{M}"\n}}',
        ),
        (
            "apiVersion: v1\ndata:\n  password: aHVudGVyMg==\n  username: YWRtaW4=\nkind: Secret",
            f"apiVersion: v1\ndata:\n  password: {M}\n  username: {M}\nkind: Secret",
        ),
        (
            "stringData:\n  url: postgres://app:pw@db\nmetadata:\n  name: x",
            f"stringData:\n  url: {M}\nmetadata:\n  name: x",
        ),
        ("password: |\n  Hunter2-pass\n  second line\nuser: bob", f"password: |\n  {M}\n  {M}\nuser: bob"),
        (
            "Please use the following password to proceed to installation:\n\n3f2a9c1b7d8e4f5a6b7c8d9e0f1a2b3c\n\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword",
            f"Please use the following password to proceed to installation:\n\n{M}\n\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword",
        ),
        ("$ wg genkey\nNJQRgnrqIR25myr3fsy3gJxmaBO6h8DuuBpnN2fxQX0=", f"$ wg genkey\n{M}"),
        (
            "$ kubectl get secret db -o jsonpath='{.data}'\n{\"password\":\"aHVudGVy\",\"username\":\"YWRtaW4=\"}",
            f"$ kubectl get secret db -o jsonpath='{{.data}}'\n{{\"password\":\"{M}\",\"username\":\"{M}\"}}",
        ),
        ("reply: b'334 UGFzc3dvcmQ6'\nsend: 'cmVudGF2LW1pbG8='", f"reply: b'334 UGFzc3dvcmQ6'\nsend: '{M}'"),
        ("Private-Lines: 1\nAAAAIPIovhzG4ngA\nPrivate-MAC: 67b8", f"Private-Lines: 1\n{M}\nPrivate-MAC: 67b8"),
    ],
)  # fmt: skip
def test_values_announced_by_the_line_before(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "password:\nusername: app",  # an empty YAML value never takes the next line's key
        "password: ~\nport: 5432",
        "binaryData:\n  logo.png: iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB",  # a ConfigMap's, not a Secret's
        "data:\n  LOG_LEVEL: debug\n  config.yaml: |\n    level: info",
        "$ kubectl get secrets\nNAME      TYPE     DATA   AGE\ndb-creds  Opaque   2      4d",
        "token:\n\nThis may also be found at: /var/run/token",
    ],
)
def test_nothing_is_taken_across_lines_that_announce_nothing(text):
    assert redact(text) == text
