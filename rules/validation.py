"""The small validation toolkit behind rules/config.py: a problem collector and value checks.

Kept apart from the config's schema so that rules/config.py reads as the list of settings. The
collector records problems instead of raising, so one run reports every bad key at once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MATCHER = re.compile(r'\s*[a-zA-Z_]\w*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*')
LABEL_NAME = re.compile(r"^[a-zA-Z_]\w*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
K8S_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
K8S_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
FILE_NAME = re.compile(r"^[a-z0-9][-a-z0-9_.]*\.json$")


class Validator:
    """Collects problems instead of raising, so one run reports every bad key."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.env_keys: dict[str, str] = {}  # "thresholds.CPU_..." -> env var that set it

    def problem(self, key: str, message: str) -> None:
        if key in self.env_keys:
            key = f"{key} (from environment variable {self.env_keys[key]})"
        self.problems.append(f"{self.source}: {key}: {message}")

    def mapping(self, data: Any, key: str, keys: tuple[str, ...]) -> dict[str, Any]:
        """A mapping with exactly `keys`; returns it (or {}) so callers can go on checking."""
        if not isinstance(data, dict):
            self.problem(key or "(top level)", f"expected a mapping, got {kind(data)}")
            return {}
        prefix = f"{key}." if key else ""
        for extra in sorted(set(map(str, data)) - set(keys)):
            self.problem(f"{prefix}{extra}", f"unknown key; expected one of: {', '.join(keys)}")
        for missing in (k for k in keys if k not in data):
            self.problem(f"{prefix}{missing}", "missing")
        return data

    def check(self, value: Any, key: str, ok: Callable[[Any], bool], expected: str) -> Any:
        if value is not None and ok(value):
            return value
        if value is not None:  # a missing key was already reported by mapping()
            self.problem(key, f"expected {expected}, got {show(value)}")
        return value

    def number(
        self, value: Any, key: str, low: float, high: float, expected: str, low_ok: bool = False
    ) -> float:
        """A number in (low, high], or [low, high] with low_ok; NaN (and a problem) otherwise."""
        in_range = isinstance(value, int | float) and (
            low <= value <= high if low_ok else low < value <= high
        )
        if isinstance(value, bool) or not in_range:
            if value is not None:
                self.problem(key, f"expected {expected}, got {show(value)}")
            return math.nan
        return float(value)


def is_line_filter(x: Any) -> bool:
    """A regex LogQL's `|~` (RE2) and Python both take: no look-arounds or back-references."""
    if not isinstance(x, str) or not x or re.search(r"\(\?<?[=!]|\\[1-9]", x):
        return False
    try:
        re.compile(x)
    except re.error:
        return False
    return True


def is_selector(x: Any) -> bool:
    if not isinstance(x, str):
        return False
    try:
        parse_matchers(x)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Matcher:
    """One label matcher of a selector, `name op "value"`."""

    name: str
    op: str  # =, !=, =~, !~
    value: str  # the string's value, escapes resolved

    def matches(self, value: str) -> bool:
        """What Prometheus' matcher says of a label with this value (regexes are anchored)."""
        if self.op in ("=", "!="):
            return (value == self.value) == (self.op == "=")
        return bool(re.fullmatch(self.value, value)) == (self.op == "=~")

    def __str__(self) -> str:
        return f"{self.name}{self.op}{json.dumps(self.value, ensure_ascii=False)}"


_PARTS = re.compile(r'\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*')


def parse_matchers(text: str) -> list[Matcher]:
    """`job="x", pod=~"a|b"` as matchers; ValueError names what is wrong. Empty: none."""
    text = text.strip().strip(",")
    out: list[Matcher] = []
    pos = 0
    while pos < len(text):
        m = _PARTS.match(text, pos)
        if not m or (m.end() < len(text) and text[m.end()] != ","):
            raise ValueError(
                f'expected label matchers such as cluster="prod", separated by commas, got {text!r}'
            )
        out.append(Matcher(m[1], m[2], json.loads(f'"{m[3]}"')))
        pos = m.end() + 1
    return out


def is_label_name(x: Any) -> bool:
    return isinstance(x, str) and bool(LABEL_NAME.match(x))


def is_url(x: Any) -> bool:
    return isinstance(x, str) and re.match(r"^https?://[^\s/]+(/\S*)?$", x) is not None


def is_dns_label(x: Any) -> bool:
    return isinstance(x, str) and bool(DNS_LABEL.match(x))


def is_file_name(x: Any) -> bool:
    return isinstance(x, str) and bool(FILE_NAME.match(x))


def kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"{value!r} ({kind(value)})"


def num(value: float) -> str:
    return format(value, "g")


def is_k8s_label_key(x: Any) -> bool:
    return isinstance(x, str) and bool(K8S_LABEL_KEY.match(x))


def is_k8s_label_value(x: Any) -> bool:
    return isinstance(x, str) and bool(K8S_LABEL_VALUE.match(x))
