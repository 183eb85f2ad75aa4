"""Exporter configuration: the only place that reads the YAML file.

Every error in a file is reported at once, each naming the file, the key and what was expected, so
an operator fixes a broken ConfigMap in one edit instead of one restart per typo. Unknown keys are
rejected for the same reason blackbox_exporter rejects them: a misspelt `timout` silently falling
back to the default is worse than a refusal to start.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runtime.durations import parse_duration
from runtime.net import is_ip

DEFAULT_TIMEOUT = 5.0
MAX_TIMEOUT = 120.0
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")


class ConfigError(Exception):
    """A config file that cannot be used; `problems` lists every bad key."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {path}: {p}" for p in problems)
        super().__init__(f"invalid config {path} ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password_file: str

    def password(self) -> str:
        """Read at probe time so a rotated Secret is picked up without a reload."""
        return Path(self.password_file).read_text().rstrip("\r\n")


@dataclass(frozen=True)
class TcpTarget:
    name: str
    host: str
    port: int
    timeout: float
    send: bytes | None = None
    expect: re.Pattern[bytes] | None = None
    # Set when `host` is an IP literal, so the probe skips the resolver altogether.
    ip: str | None = None

    kind = "tcp"

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class HttpTarget:
    name: str
    url: str
    timeout: float
    expected_status: tuple[int, ...] = ()  # empty: any 2xx
    headers: tuple[tuple[str, str], ...] = ()
    basic_auth: BasicAuth | None = None
    body_regex: re.Pattern[bytes] | None = None
    follow_redirects: bool = True
    insecure_skip_verify: bool = False
    ca_file: str | None = None

    kind = "http"


@dataclass(frozen=True)
class HaproxyTarget:
    name: str
    url: str
    timeout: float
    basic_auth: BasicAuth | None = None
    insecure_skip_verify: bool = False
    ca_file: str | None = None

    kind = "haproxy"


@dataclass(frozen=True)
class DiskTarget:
    name: str
    path: str
    timeout: float
    # The label value: the host's mount point when `path` is where a hostPath volume shows it.
    mountpoint: str = ""

    kind = "disk"


Target = TcpTarget | HttpTarget | HaproxyTarget | DiskTarget


@dataclass(frozen=True)
class ExporterConfig:
    timeout: float = DEFAULT_TIMEOUT
    tcp: tuple[TcpTarget, ...] = ()
    http: tuple[HttpTarget, ...] = ()
    haproxy: tuple[HaproxyTarget, ...] = ()
    disk: tuple[DiskTarget, ...] = ()
    source: str = field(default="", compare=False)

    def targets(self) -> Iterator[Target]:
        yield from self.tcp
        yield from self.http
        yield from self.haproxy
        yield from self.disk


class _Checker:
    """Collects problems while walking the document, instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, expected: str, got: Any = None, *, show: bool = True) -> None:
        suffix = f", got {got!r}" if show else ""
        self.problems.append(f"{key}: expected {expected}{suffix}")

    def mapping(self, key: str, value: Any, allowed: set[str], required: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.fail(key or "top level", "a mapping", value)
            return None
        for k in sorted(set(value) - allowed, key=str):
            self.fail(f"{key}.{k}" if key else str(k), f"one of {', '.join(sorted(allowed))}", k)
        for k in sorted(required - set(value)):
            self.problems.append(f"{key}.{k}: required key is missing")
        return value

    def string(self, key: str, value: Any, pattern: re.Pattern[str] | None = None) -> str | None:
        if value is None:
            return None  # absent: `mapping` has reported it if it is required
        if not isinstance(value, str) or not value:
            self.fail(key, "a non-empty string", value)
            return None
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"a string matching {pattern.pattern}", value)
            return None
        return value

    def timeout(self, key: str, value: Any, default: float) -> float:
        if value is None:
            return default
        try:
            seconds = parse_duration(value)
        except ValueError:
            self.fail(key, 'a duration such as "500ms", "5s" or a number of seconds', value)
            return default
        if not 0 < seconds <= MAX_TIMEOUT:
            self.fail(key, f"a duration above 0 and at most {MAX_TIMEOUT:g}s", value)
            return default
        return seconds

    def boolean(self, key: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, "true or false", value)
            return default
        return value

    def regex(self, key: str, value: Any) -> re.Pattern[bytes] | None:
        if value is None or self.string(key, value) is None:
            return None
        try:
            return re.compile(value.encode())
        except re.error as e:
            self.fail(key, f"a valid regular expression ({e})", value)
            return None

    def url(self, key: str, value: Any) -> str | None:
        if self.string(key, value) is None:
            return None
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(key, "an http:// or https:// URL with a host", value)
            return None
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            self.fail(key, "a URL with a port from 1 to 65535", value)
            return None
        return value

    def basic_auth(self, key: str, value: Any) -> BasicAuth | None:
        if value is None:
            return None
        m = self.mapping(key, value, {"username", "password_file"}, {"username", "password_file"})
        if m is None:
            return None
        user = self.string(f"{key}.username", m.get("username"))
        pw = self.string(f"{key}.password_file", m.get("password_file"))
        return BasicAuth(user, pw) if user and pw else None

    def tls(self, key: str, m: dict) -> tuple[bool, str | None]:
        skip = self.boolean(f"{key}.insecure_skip_verify", m.get("insecure_skip_verify"), False)
        ca = m.get("ca_file")
        if ca is not None:
            ca = self.string(f"{key}.ca_file", ca)
        return skip, ca


def _tcp(c: _Checker, key: str, m: dict, timeout: float) -> TcpTarget | None:
    name = c.string(f"{key}.name", m.get("name"), NAME_RE)
    address = c.string(f"{key}.address", m.get("address"))
    t = c.timeout(f"{key}.timeout", m.get("timeout"), timeout)
    send = m.get("send")
    if send is not None and c.string(f"{key}.send", send) is None:
        send = None
    expect = c.regex(f"{key}.expect", m.get("expect"))
    hostport = _split_hostport(c, f"{key}.address", address) if address else None
    if name is None or hostport is None:
        return None
    host, port = hostport
    ip = host if is_ip(host) else None
    return TcpTarget(name, host, port, t, send.encode() if send else None, expect, ip)


def _split_hostport(c: _Checker, key: str, address: str) -> tuple[str, int] | None:
    host, sep, port = address.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        c.fail(key, '"host:port" with a port from 1 to 65535 ("[::1]:port" for IPv6)', address)
        return None
    return host, int(port)


def _headers(c: _Checker, key: str, value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        c.fail(key, "a mapping of header name to value", value)
        return ()
    out = []
    for k, v in value.items():
        if not isinstance(k, str) or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", k):
            c.fail(f"{key}", "header names made of token characters", k)
        elif not isinstance(v, str) or "\r" in v or "\n" in v:
            c.fail(f"{key}.{k}", "a single-line string", v)
        else:
            out.append((k, v))
    return tuple(out)


def _status_codes(c: _Checker, key: str, value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    codes = value if isinstance(value, list) else [value]
    if not codes or not all(
        isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in codes
    ):
        c.fail(key, "an HTTP status code from 100 to 599, or a list of them", value)
        return ()
    return tuple(codes)


def _http(c: _Checker, key: str, m: dict, timeout: float) -> HttpTarget | None:
    name = c.string(f"{key}.name", m.get("name"), NAME_RE)
    url = c.url(f"{key}.url", m.get("url"))
    t = c.timeout(f"{key}.timeout", m.get("timeout"), timeout)
    expected = _status_codes(c, f"{key}.expected_status", m.get("expected_status"))
    headers = _headers(c, f"{key}.headers", m.get("headers"))
    auth = c.basic_auth(f"{key}.basic_auth", m.get("basic_auth"))
    body = c.regex(f"{key}.body_regex", m.get("body_regex"))
    follow = c.boolean(f"{key}.follow_redirects", m.get("follow_redirects"), True)
    skip, ca = c.tls(key, m)
    if name is None or url is None:
        return None
    return HttpTarget(name, url, t, expected, headers, auth, body, follow, skip, ca)


def _haproxy(c: _Checker, key: str, m: dict, timeout: float) -> HaproxyTarget | None:
    name = c.string(f"{key}.name", m.get("name"), NAME_RE)
    url = c.url(f"{key}.url", m.get("url"))
    t = c.timeout(f"{key}.timeout", m.get("timeout"), timeout)
    auth = c.basic_auth(f"{key}.basic_auth", m.get("basic_auth"))
    skip, ca = c.tls(key, m)
    if name is None or url is None:
        return None
    return HaproxyTarget(name, url, t, auth, skip, ca)


def _disk(c: _Checker, key: str, m: dict, timeout: float) -> DiskTarget | None:
    name = c.string(f"{key}.name", m.get("name"), NAME_RE)
    path = c.string(f"{key}.path", m.get("path"))
    t = c.timeout(f"{key}.timeout", m.get("timeout"), timeout)
    mountpoint = m.get("mountpoint")
    for k, v in (("path", path), ("mountpoint", mountpoint)):
        if v is not None and (not isinstance(v, str) or not v.startswith("/")):
            c.fail(f"{key}.{k}", "an absolute path", v)
            path = None
    if name is None or path is None:
        return None
    return DiskTarget(name, path, t, mountpoint or path)


_TLS_KEYS = {"insecure_skip_verify", "ca_file"}
_KINDS: dict[str, tuple[Callable[..., Any], set[str], set[str]]] = {
    "tcp": (_tcp, {"name", "address", "timeout", "send", "expect"}, {"name", "address"}),
    "http": (
        _http,
        {"name", "url", "timeout", "expected_status", "headers", "basic_auth", "body_regex"}
        | {"follow_redirects"}
        | _TLS_KEYS,
        {"name", "url"},
    ),
    "haproxy": (
        _haproxy,
        {"name", "url", "timeout", "basic_auth"} | _TLS_KEYS,
        {"name", "url"},
    ),
    "disk": (_disk, {"name", "path", "mountpoint", "timeout"}, {"name", "path"}),
}


def parse_config(doc: Any, source: str = "<config>") -> ExporterConfig:
    """Validate a parsed YAML document; raise ConfigError listing every problem."""
    c = _Checker()
    if doc is None:
        doc = {}
    top = c.mapping("", doc, {"timeout", *_KINDS}, set())
    if top is None:
        raise ConfigError(source, c.problems)
    timeout = c.timeout("timeout", top.get("timeout"), DEFAULT_TIMEOUT)
    parsed: dict[str, tuple] = {}
    for kind, (build, allowed, required) in _KINDS.items():
        entries = top.get(kind) or []
        if not isinstance(entries, list):
            c.fail(kind, "a list of targets", entries)
            entries = []
        targets, seen = [], set()
        for i, entry in enumerate(entries):
            key = f"{kind}[{i}]"
            m = c.mapping(key, entry, allowed, required)
            if m is None:
                continue
            target = build(c, key, m, timeout)
            if target is None:
                continue
            if target.name in seen:
                c.fail(f"{key}.name", f"a name unique among {kind} targets", target.name)
                continue
            seen.add(target.name)
            targets.append(target)
        parsed[kind] = tuple(targets)
    if c.problems:
        raise ConfigError(source, c.problems)
    return ExporterConfig(timeout=timeout, source=source, **parsed)


def load_config(path: str | Path) -> ExporterConfig:
    """Read and validate the exporter's YAML config file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(source, [f"cannot read file: {e.strerror or e}"]) from e
    except UnicodeDecodeError as e:
        raise ConfigError(source, [f"expected UTF-8 text: {e}"]) from e
    try:
        # libyaml's loader when PyYAML has it: a 2,000-target file parses in a fraction of the
        # time and memory of the pure-Python one.
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        at = f"line {where.line + 1}, column {where.column + 1}: " if where else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(source, [f"{at}expected valid YAML ({problem})"]) from e
    return parse_config(doc, source)
