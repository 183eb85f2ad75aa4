"""FakeSocketMode: Slack's end of a Socket Mode connection, a small RFC 6455 server on loopback.

FakeSlack's `apps.connections.open` answers its `ws://127.0.0.1:<port>/link/?ticket=N` URL
(slack-sdk's built-in client speaks plain `ws://` to any port but 443). On each connection it
does what Slack does: the WebSocket handshake, a `hello`, pongs to the client's pings, then the
envelopes a test sends (`send`), recording every acknowledgement (`acks`, with the time it took).
`drop()` ends the connection the way Slack does (a close frame) or abruptly (`graceful=False`);
`refresh()` sends the `disconnect` envelope Slack sends before it rotates a connection.

Payload builders (`block_actions`, `slash_command`) give what Slack sends for a button press and
a slash command, the same for Socket Mode and the HTTP endpoint.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


@dataclass
class Envelope:
    id: str
    type: str
    sent: float
    acked: float | None = None  # monotonic time of the acknowledgement
    ack_payload: dict[str, Any] | None = None

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked is None else self.acked - self.sent


@dataclass
class _Conn:
    sock: socket.socket
    number: int
    open: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self.lock:
            self.sock.sendall(head + payload)


def _read_exact(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return out


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    b0, b1 = _read_exact(sock, 2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", _read_exact(sock, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", _read_exact(sock, 8))
    mask = _read_exact(sock, 4) if b1 & 0x80 else b"\0\0\0\0"
    data = _read_exact(sock, n)
    return b0 & 0x0F, bytes(c ^ mask[i % 4] for i, c in enumerate(data))


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections: list[_Conn] = []
        self.envelopes: dict[str, Envelope] = {}
        self.pings = 0
        self._tickets = itertools.count(1)
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def new_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._tickets)}"

    # -- control --------------------------------------------------------------------------

    @property
    def current(self) -> _Conn | None:
        with self.lock:
            live = [c for c in self.connections if c.open]
        return live[-1] if live else None

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> bool:
        """True once `count` connections were made in all and one of them is open, and the
        client has pinged it (it is reading)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                made = len(self.connections)
            if made >= count and self.current is not None and self.pings >= made:
                return True
            time.sleep(0.02)
        return False

    def send(self, kind: str, payload: dict[str, Any]) -> Envelope:
        """An envelope on the open connection, as Slack sends it; returns its record."""
        conn = self.current
        assert conn is not None, "no Socket Mode connection is open"
        envelope = Envelope(str(uuid.uuid4()), kind, time.monotonic())
        with self.lock:
            self.envelopes[envelope.id] = envelope
        body = {
            "envelope_id": envelope.id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        conn.send(TEXT, json.dumps(body).encode())
        return envelope

    def wait_ack(self, envelope: Envelope, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while envelope.acked is None and time.monotonic() < deadline:
            time.sleep(0.005)
        return envelope.acked is not None

    def refresh(self) -> None:
        """Slack's notice that this connection is about to be replaced."""
        conn = self.current
        assert conn is not None
        notice = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
        conn.send(TEXT, json.dumps(notice).encode())

    def drop(self, graceful: bool = True) -> None:
        """End the open connection: a close frame (1001, going away) or just the socket."""
        conn = self.current
        assert conn is not None
        conn.open = False
        if graceful:
            with contextlib.suppress(OSError):
                conn.send(CLOSE, struct.pack("!H", 1001) + b"going away")
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)
        conn.sock.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self.lock:
            conns = list(self.connections)
        for c in conns:
            c.open = False
            with contextlib.suppress(OSError):
                c.sock.close()

    # -- server ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = sock.recv(4096)
            if not chunk:
                sock.close()
                return
            request += chunk
        headers = {}
        for line in request.decode().split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(
            hashlib.sha1(headers["sec-websocket-key"].encode() + GUID).digest()  # noqa: S324
        ).decode()
        sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        with self.lock:
            conn = _Conn(sock, len(self.connections) + 1)
            self.connections.append(conn)
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0FAKE"},
        }
        try:
            conn.send(TEXT, json.dumps(hello).encode())
            self._read_loop(conn)
        except (OSError, ConnectionError):
            pass
        finally:
            conn.open = False
            sock.close()

    def _read_loop(self, conn: _Conn) -> None:
        while conn.open:
            opcode, data = _read_frame(conn.sock)
            if opcode == PING:
                with self.lock:
                    self.pings += 1
                conn.send(PONG, data)
            elif opcode == TEXT:
                message = json.loads(data)
                with self.lock:
                    envelope = self.envelopes.get(message.get("envelope_id", ""))
                if envelope is not None and envelope.acked is None:
                    envelope.acked = time.monotonic()
                    envelope.ack_payload = message.get("payload")
            elif opcode == CLOSE:
                conn.send(CLOSE, data[:2])
                return


def block_actions(
    action_id: str,
    value: str = "",
    *,
    user_id: str = "U0ALICE",
    user_name: str = "alice",
    channel_id: str = "C0ALERTS",
    message_ts: str = "1700000000.000100",
    response_url: str = "",
) -> dict[str, Any]:
    """What Slack sends when a button on a message is pressed (an `interactive` envelope)."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": "1.2.3",
        "channel": {"id": channel_id, "name": "alerts"},
        "message": {"type": "message", "ts": message_ts, "text": "an alert"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "actions",
                "type": "button",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def slash_command(
    text: str,
    *,
    user_id: str = "U0ALICE",
    user_name: str = "alice",
    channel_id: str = "C0ALERTS",
    response_url: str = "",
    command: str = "/bravo",
) -> dict[str, str]:
    """What Slack sends for `/bravo <text>` (a `slash_commands` envelope, or the form fields)."""
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0FAKE",
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "alerts",
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": "A0FAKE",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }
