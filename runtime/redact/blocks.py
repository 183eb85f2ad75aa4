"""Secrets that span lines: key blocks, and values whose key is on the line before.

Only blocks cross a line break: PEM and PGP private keys (whole, or cut off at the end of the
text), also with their line breaks escaped inside a JSON string. Every other multi-line form is
read line by line, each line deciding only about the next few:

- the two-line Kubernetes env form: `- name: AWS_SECRET_ACCESS_KEY` then `value: ...`;
- a Secret's `data:` / `stringData:` block (the values; the key names stay);
- a YAML block scalar under a secret key: `password: |` then the indented lines;
- a password printed alone after a header ("Please use the following password to proceed to
  installation:", "Initial admin password:"), blank or decoration lines between.

A YAML key with an empty value (`password:`) therefore never masks the next line's key.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from runtime.redact.names import Strength, strength
from runtime.redact.values import (
    MASK,
    is_path,
    is_placeholder,
    is_uuid,
    looks_like_password,
    looks_random,
)

_KEY_BLOCK = re.compile(
    r"-----BEGIN (?P<kind>[A-Z0-9 ]*(?:PRIVATE KEY(?: BLOCK)?|SECRET KEY|STATIC KEY V\d))-----"
    r".*?(?:-----END (?P=kind)-----|\Z)",
    re.DOTALL | re.IGNORECASE,
)
# The two-line env form, in YAML (`- name: X` / `value: Y`) and JSON (`"name": "X",` / ...).
_ENV_NAME = re.compile(r"^\s*-?\s*[\"']?name[\"']?\s*:\s*[\"']?(?P<name>[\w.-]+)[\"']?\s*,?\s*$")
_ENV_VALUE = re.compile(
    r"^(?P<head>\s*[\"']?value[\"']?\s*:\s*[\"']?)(?P<value>[^\"'\s][^\"']*?)(?P<tail>[\"']?\s*,?\s*)$"
)
_PUTTY_PRIVATE = re.compile(r"^Private-Lines:\s*(\d+)\s*$")
_DATA = re.compile(r"^(?P<indent>\s*)(?P<kind>data|stringData):\s*$")  # binaryData: ConfigMaps
_ITEM = re.compile(r"^(?P<indent>\s+)(?P<head>[\w.-]+:\s*)(?P<value>\S.*?)\s*$")
_BLOCK_SCALAR = re.compile(r"^(?P<indent>\s*)-?\s*[\"']?(?P<key>[\w.-]+)[\"']?:\s*[|>][-+]?\s*$")
_HEADER = re.compile(
    r"(?i)(?:(?:password|passwd|passphrase|token|secret|credentials?|(?:api|access|secret|private"
    r"|certificate|join|encryption|unseal|recovery|root|auth)[ _-]?key)\b|비밀\s?번호|패스워드|암호"
    r"|토큰|시크릿)[^\n]{0,120}[:\uff1a]\s*$"
)
# A shell prompt running a command that prints a secret: its output lines follow.
_PROMPT = re.compile(
    r"^\s*(?:(?:\S+@\S+?[:\s][^$#\n]*)?[$#%\u276f+]|[\w.-]+:\d+>|mysql>|\w+=[#>])\s+\S"
)
_REVEALS = re.compile(
    r"(?i)password|passwd|secret|token|genkey|cookie|credential|base64\s+(?:-d|--decode)"
    r"|base64decode|\bkeys?\b|\.key\b|auth|requirepass|masterauth"
)
_JSON_STRING = re.compile(r'"(?P<key>[^"\\]*)"\s*:\s*"(?P<value>[^"\\]*)"')
# base64 of "Password:": an SMTP server asking for the password in AUTH LOGIN
_SMTP_LOGIN_PROMPT = "UGFzc3dvcmQ6"
_DECORATION = re.compile(r"^[\s*=#~_-]*$")
_LONE = re.compile(r"^\s*(?P<value>[^\s=\"'{}\[\]]{6,}={0,2}(?<!:))\s*$")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")


def mask_key_blocks(text: str) -> str:
    """PEM and PGP private keys, headers kept: `-----BEGIN RSA PRIVATE KEY-----[REDACTED]...`."""
    if "-----BEGIN " not in text:
        return text
    return _KEY_BLOCK.sub(
        lambda m: f"-----BEGIN {m['kind']}-----{MASK}-----END {m['kind']}-----", text
    )


def mask_lines(text: str, mask_line: Callable[[str], str]) -> str:
    """Each line through `mask_line`, and the values the lines before announced, masked."""
    reader = _Reader("kind: Secret" in text, mask_line)
    return "\n".join(reader.read(line) for line in text.split("\n"))


class _Reader:
    """Reads lines in order, remembering only what the last lines announced."""

    def __init__(self, secret_doc: bool, mask_line: Callable[[str], str]) -> None:
        self.secret_doc, self.mask_line = secret_doc, mask_line
        self.env_secret = False  # the line before was `- name: <a secret's name>`
        self.block: tuple[int, str] | None = None  # in data:/stringData: or a block scalar
        self.header = 0  # lines left in which a lone value is the announced password
        self.output = 0  # lines left of the output of a command that prints secrets
        self.smtp = False  # the line before was an SMTP server asking for the password
        self.putty = 0  # lines left of a PuTTY key file's private part

    def read(self, raw: str) -> str:
        announced = self._announced(raw)
        if announced is not None:
            return announced
        line = _BASE64_RUN.sub(MASK, raw) if self.smtp else raw
        line = self.mask_line(line)
        self._listen(raw, line)
        return line

    def _announced(self, line: str) -> str | None:
        """The line masked where a line before announced a value, or None."""
        if self.block is not None:
            indent, kind = self.block
            item_indent = len(line) - len(line.lstrip())
            if line.strip() and item_indent <= indent:
                self.block = None
            elif kind == "scalar":
                return line[:item_indent] + MASK if line.strip() else line
            else:
                m = _ITEM.match(line)
                if m and _data_value_is_secret(kind, m["value"], self.secret_doc):
                    return f"{m['indent']}{m['head']}{MASK}"
        if self.env_secret:
            self.env_secret = False
            m = _ENV_VALUE.match(line)
            if m and not is_placeholder(m["value"]) and m["value"] != MASK:
                return m["head"] + MASK + m["tail"]
        if self.putty:
            self.putty -= 1
            return MASK if line.strip() else line
        if self.output:
            self.output = 0 if _PROMPT.match(line) else self.output - 1
            if self.output:
                shown = _command_output(line)
                if shown != line:
                    return self.mask_line(shown)
        if self.header:
            lone = _lone_secret(line)
            if lone is not None:
                self.header = 0
                return lone
            self.header = self.header - 1 if _DECORATION.match(line) else 0
        return None

    def _listen(self, raw: str, line: str) -> None:
        """What this line announces for the next ones."""
        self.smtp = _SMTP_LOGIN_PROMPT in line
        if m := _PUTTY_PRIVATE.match(line):
            self.putty = min(int(m[1]), 64)
        elif _PROMPT.match(raw) and _REVEALS.search(raw):
            self.output = 40
        elif m := _ENV_NAME.match(line):
            self.env_secret = strength(m["name"]) >= Strength.MEDIUM
        elif m := _DATA.match(line):
            self.block = (len(m["indent"]), m["kind"])
        elif (m := _BLOCK_SCALAR.match(line)) and strength(m["key"]) >= Strength.MEDIUM:
            self.block = (len(m["indent"]), "scalar")
        elif line.rstrip().endswith((":", "\uff1a")) and _HEADER.search(line):
            self.header = 3


_BASE64_RUN = re.compile(r"(?<![\w+/=\[])[A-Za-z0-9+/]{8,}={0,2}(?![\w+/=\]])")
_QUOTED_VALUE = re.compile(r'"(?P<value>[^"\\\n]{12,})"')
_LABELLED_VALUE = re.compile(r"^(?P<head>\s*[A-Za-z][\w .()-]{0,40}:\s+)(?P<value>\S{12,})\s*$")


def _lone_secret(line: str) -> str | None:
    """The line with its only word masked, if that word reads as a password."""
    lone = _LONE.match(line)
    if not lone or "://" in lone["value"] or is_path(lone["value"]):
        return None
    if looks_like_password(lone["value"]) or looks_random(lone["value"]):
        return line.replace(lone["value"], MASK)
    return None


def _command_output(line: str) -> str:
    """A line printed by a command that shows secrets (`$ wg genkey`, `$ kubectl get secret`,
    `> CONFIG GET requirepass`): a lone word, a JSON object of a Secret's data, quoted or
    labelled values that look generated."""
    lone = _lone_secret(line)
    if lone is not None:
        return lone
    if line.lstrip().startswith("{") and line.rstrip().endswith("}"):  # jsonpath='{.data}'
        return _JSON_STRING.sub(
            lambda m: m[0] if is_placeholder(m["value"]) else f'"{m["key"]}":"{MASK}"', line
        )
    line = _QUOTED_VALUE.sub(
        lambda m: f'"{MASK}"' if looks_random(m["value"]) and not is_uuid(m["value"]) else m[0],
        line,
    )
    labelled = _LABELLED_VALUE.match(line)
    if labelled and looks_random(labelled["value"]) and not is_uuid(labelled["value"]):
        return labelled["head"] + MASK
    return line


def _data_value_is_secret(kind: str, value: str, secret_doc: bool) -> bool:
    if is_placeholder(value) or value == MASK:
        return False
    if kind == "stringData" or secret_doc:
        return True
    v = value.strip("\"'")
    return bool(_BASE64.fullmatch(v)) and len(v) >= 8 and not v.isalpha()
