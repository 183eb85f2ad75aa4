"""A small asyncio HTTP/1.1 GET client for the http and haproxy probers.

Why not requests: its timeouts bound each socket operation, not the whole exchange, and a thread
blocked in it cannot be cancelled, so a slow-drip server could hold a probe past the scrape. Here
the caller wraps the coroutine in `asyncio.timeout`, and cancellation closes the connection.
HTTP/1.1 (not 1.0) because Envoy sidecars answer 1.0 with 426 by default.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import ssl
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from exporter import __version__

USER_AGENT = f"healthcheck-exporter/{__version__}"
MAX_HEADER_BYTES = 64 * 1024
NO_BODY_STATUSES = frozenset({204, 304})


class HttpError(Exception):
    """The server did not speak HTTP we understand; the message says how."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    url: str
    redirects: int


@functools.lru_cache(maxsize=32)
def tls_context(insecure_skip_verify: bool = False, ca_file: str | None = None) -> ssl.SSLContext:
    """Cached: loading the CA store costs milliseconds, too much per probe. Cleared on reload."""
    ctx = ssl.create_default_context(cafile=ca_file)
    if insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def basic_auth_header(username: str, password: str) -> tuple[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return "Authorization", f"Basic {token}"


async def get(
    url: str,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    read_body: bool = True,
    max_body: int = 8 * 1024 * 1024,
    follow_redirects: bool = False,
    max_redirects: int = 10,
    tls: Callable[[], ssl.SSLContext] = tls_context,
    log: Callable[[str], None] = lambda _msg: None,
) -> Response:
    """GET `url`; the caller bounds the time. `tls` is called only for https URLs."""
    redirects = 0
    while True:
        resp = await _get_once(url, headers, read_body, max_body, tls, log)
        location = resp.headers.get("location")
        if not (follow_redirects and 300 <= resp.status < 400 and location):
            return Response(resp.status, resp.headers, resp.body, url, redirects)
        if redirects >= max_redirects:
            raise HttpError(f"more than {max_redirects} redirects")
        redirects += 1
        url = urllib.parse.urljoin(url, location)
        log(f"following redirect {redirects} to {url}")


async def _get_once(
    url: str,
    headers: tuple[tuple[str, str], ...],
    read_body: bool,
    max_body: int,
    tls: Callable[[], ssl.SSLContext],
    log: Callable[[str], None],
) -> Response:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"unsupported URL {url!r}")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    host = parts.hostname
    log(f"connecting to {host}:{port}")
    reader, writer = await asyncio.open_connection(
        host,
        port,
        ssl=tls() if https else None,
        server_hostname=host if https else None,
        limit=MAX_HEADER_BYTES,
    )
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        host_header = f"[{host}]" if ":" in host else host
        if parts.port:
            host_header += f":{parts.port}"
        lines = [f"GET {target} HTTP/1.1", f"Host: {host_header}", f"User-Agent: {USER_AGENT}"]
        lines += ["Accept: */*", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        status, resp_headers = await _read_head(reader)
        log(f"got status {status}")
        body = b""
        if read_body and status >= 200 and status not in NO_BODY_STATUSES:
            body = await _read_body(reader, resp_headers, max_body)
        return Response(status, resp_headers, body, url, 0)
    finally:
        writer.close()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as e:
            raise HttpError("connection closed before the response headers ended") from e
        except asyncio.LimitOverrunError as e:
            raise HttpError(f"response headers longer than {MAX_HEADER_BYTES} bytes") from e
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise HttpError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        status = int(code)
        if 100 <= status < 200 and status != 101:
            continue  # 100 Continue and friends: the real answer follows
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                key = name.strip().lower()
                value = value.strip()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str], max_body: int) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunked(reader, max_body)
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise HttpError(f"bad Content-Length {length!r}")
        if int(length) > max_body:
            raise HttpError(f"body of {length} bytes is over the {max_body}-byte limit")
        try:
            return await reader.readexactly(int(length))
        except asyncio.IncompleteReadError as e:
            raise HttpError("connection closed before the body ended") from e
    body = await reader.read(max_body + 1)
    chunks = [body]
    size = len(body)
    while body and size <= max_body:
        body = await reader.read(max_body + 1 - size)
        chunks.append(body)
        size += len(body)
    if size > max_body:
        raise HttpError(f"body is over the {max_body}-byte limit")
    return b"".join(chunks)


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            line = await reader.readuntil(b"\r\n")
            hex_size = line.split(b";", 1)[0].strip()
            try:
                n = int(hex_size, 16)
            except ValueError as e:
                raise HttpError(f"bad chunk size {hex_size[:20]!r}") from e
            if n == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers
                return b"".join(chunks)
            size += n
            if size > max_body:
                raise HttpError(f"body is over the {max_body}-byte limit")
            chunks.append(await reader.readexactly(n))
            if await reader.readexactly(2) != b"\r\n":
                raise HttpError("chunk not followed by CRLF")
    except asyncio.IncompleteReadError as e:
        raise HttpError("connection closed inside a chunked body") from e
    except asyncio.LimitOverrunError as e:
        raise HttpError("chunk header line too long") from e
