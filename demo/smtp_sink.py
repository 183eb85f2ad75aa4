"""A loopback SMTP server that keeps what it is sent: the demo's and the tests' mail server for
Alertmanager's e-mail (the pack's fallback receiver), where no real one may be reached.

Just enough SMTP for Alertmanager's client (EHLO, optional AUTH PLAIN/LOGIN, MAIL, RCPT, DATA,
RSET, NOOP, QUIT), without STARTTLS: the shipped config's `require_tls: true` is replaced by
`false` where this stands in (demo/configs.py). Python's own smtpd left the standard library in
3.12, and aiosmtpd would be one more dependency for about sixty lines.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage
    auth: str = ""  # the AUTH line's mechanism, when the client logged in


@dataclass
class SmtpSink:
    """`with SmtpSink() as smtp:` listens on 127.0.0.1 at `port` (0: a free one; `smtp.address`)."""

    port: int = 0
    mails: list[Mail] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                sink._session(self.rfile, self.wfile)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SmtpSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _session(self, rfile, wfile) -> None:
        def say(line: str) -> None:
            wfile.write(line.encode() + b"\r\n")
            wfile.flush()

        say("220 localhost SMTP sink")
        sender, recipients, auth = "", [], ""
        while line := rfile.readline():
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                say("250-localhost")
                say("250 AUTH PLAIN LOGIN")
            elif verb == "HELO":
                say("250 localhost")
            elif verb == "AUTH":
                auth = cmd.split(" ")[1].upper() if " " in cmd else "?"
                if auth == "LOGIN":  # user, then password, each base64 on its own line
                    for prompt in ("334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"):
                        say(prompt)
                        rfile.readline()
                elif len(cmd.split(" ")) < 3:  # PLAIN without an initial response
                    say("334 ")
                    rfile.readline()
                say("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                sender, recipients = cmd.split(":", 1)[1].strip(" <>"), []
                say("250 OK")
            elif verb == "RCPT":
                recipients.append(cmd.split(":", 1)[1].strip(" <>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                data = bytearray()
                while (chunk := rfile.readline()) not in (b".\r\n", b".\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                with self.lock:
                    self.mails.append(Mail(sender, recipients, message, auth))  # type: ignore[arg-type]
                say("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                say("250 OK")
            elif verb == "QUIT":
                say("221 Bye")
                return
            else:
                say("502 Command not implemented")
