"""Settings from the environment: the ConfigMap and Secret of the system the pack replaces keep
their keys, so the receiver and the reporter read them the same way, here.

Fields of a frozen dataclass declare their variable, one way each: `setting("LOKI_URL", "",
parse_url)`, and `secret("SLACK_BOT_TOKEN")` for a secret. `settings_from_env` fills them,
reads a secret from `<NAME>_FILE` when set (the file wins: a mounted Secret), falls back to a
setting's `aliases` in order (`AWS_DEFAULT_REGION` for `AWS_REGION`, as boto3 does), treats an
empty value as unset (a ConfigMap key left blank), and reports every bad variable at once.
`describe_env` lists them for the READMEs' tables, which tests hold to it.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import MISSING, field, fields
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from runtime.durations import parse_duration

__all__ = [
    "SettingsError",
    "describe_env",
    "parse_bool",
    "parse_duration",
    "parse_positive_int",
    "parse_timezone",
    "parse_url",
    "secret",
    "setting",
    "settings_from_env",
]


class SettingsError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


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


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def setting(
    env: str,
    default: Any,
    parse: Callable[[str], Any] = str,
    *,
    aliases: tuple[str, ...] = (),
) -> Any:
    """A dataclass field read from `env` (or, when unset, from its `aliases`)."""
    return field(default=default, metadata={"env": env, "parse": parse, "aliases": aliases})


def secret(env: str, default: str = "") -> Any:
    """A secret: also read from the file `<env>_FILE` names, and never shown in a repr."""
    return field(default=default, repr=False, metadata={"env": env, "parse": str, "secret": True})


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
        for alias in f.metadata.get("aliases", ()):
            if raw is None or raw.strip() == "":
                raw = environ.get(alias)
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


def describe_env(cls: type) -> list[tuple[str, str, bool]]:
    """(variable, default, secret) of every setting of `cls`, for the README's table."""
    out = []
    for f in fields(cls):
        default = "" if f.default is MISSING or isinstance(f.default, tuple) else f.default
        out.append((f.metadata["env"], str(default), bool(f.metadata.get("secret"))))
    return out
