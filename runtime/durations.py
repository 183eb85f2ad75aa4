"""Durations, read one way everywhere: settings (`LOKI_TIMEOUT=5s`), the exporter's config
(`timeout: 500ms`) and the rules' config (`for: 15m`, Prometheus' own syntax).

`500ms`, `1.5s`, `5m`, `1h30m`, `14d`, `2w`, `1y`; a bare number is seconds where a number is
allowed. Prometheus itself takes whole numbers with units in descending order and no number
alone: `is_prometheus_duration` says whether a text is one, for what ends up in a rule file.
"""

from __future__ import annotations

import re
from typing import Any

UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31536000.0,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")
_PROMETHEUS = re.compile(r"(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?")


def parse_duration(value: Any) -> float:
    """Seconds, from a number or a text such as `1h30m`; ValueError says what was expected."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r} (use e.g. 500ms, 2s, 5m, 1h)")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r} (use e.g. 500ms, 2s, 5m, 1h)")
    return sum(float(n) * UNITS[u] for n, u in parts)


def is_prometheus_duration(value: Any) -> bool:
    return isinstance(value, str) and bool(_PROMETHEUS.fullmatch(value))
