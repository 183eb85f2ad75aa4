"""Settings from the environment: the ConfigMap and Secret of the system the pack replaces keep
their keys, so the receiver and the reporter read them the same way, here.

Fields of a frozen dataclass declare their variable (`setting("LOKI_URL", "", parse_url)`);
`settings_from_env` fills them, reads a secret from `<NAME>_FILE` when set (the file wins: a
mounted Secret, rotated without a restart where the caller re-reads it), treats an empty value as
unset (as a ConfigMap key left blank), and reports every bad variable at once.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import field, fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class SettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


def parse_duration(text: str) -> float:
    """`1.5s`, `5m`, `1h30m`, `250ms`, `14d` or `12` (seconds) -> seconds."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r} (use e.g. 500ms, 2s, 5m, 1h)")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def parse_url(text: str) -> str:
    if not re.match(r"^https?://[^\s/]+", text.strip()):
        raise ValueError(f"expected an http(s) URL, got {text!r}")
    return text.strip().rstrip("/")


def parse_positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"expected a positive integer, got {text!r}")
    return value


def parse_timezone(text: str) -> str:
    zoneinfo.ZoneInfo(text.strip())  # raises for an unknown zone
    return text.strip()


def setting(env: str, default: Any, parse: Callable[[str], Any] = str, **kw: Any) -> Any:
    """A dataclass field read from `env`; `secret=True` also reads `<env>_FILE`."""
    return field(default=default, metadata={"env": env, "parse": parse, **kw})


class _Settings(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Any]]  # a dataclass, as fields() needs

    def problems(self) -> list[str]: ...


S = TypeVar("S", bound=_Settings)


def settings_from_env(cls: type[S], environ: Mapping[str, str]) -> S:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields(cls):
        env = f.metadata["env"]
        raw = environ.get(env)
        path = environ.get(f"{env}_FILE") if f.metadata.get("secret") else None
        if path:
            try:
                raw = Path(path).read_text(encoding="utf-8").strip()
            except OSError as e:
                problems.append(f"{env}_FILE: cannot read {path}: {e.strerror}")
                continue
        if env == "AWS_REGION" and not raw:
            raw = environ.get("AWS_DEFAULT_REGION")
        if raw is None or raw.strip() == "":  # empty = unset, as in a ConfigMap
            continue
        try:
            values[f.name] = f.metadata.get("parse", str)(raw)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError) as e:
            problems.append(f"{env}: {e}")
    settings = cls(**values)
    problems += settings.problems()
    if problems:
        raise SettingsError(problems)
    return settings
