"""A small fake workload for the demo: a web app and a "database" port that a user can break.

GET  /healthz            the web app's health endpoint (200, or 503 while broken)
POST /break/db           close the database's TCP port (the exporter's tcp probe goes to 0)
POST /fix/db             open it again
POST /break/web          make /healthz answer 503
POST /fix/web            make it answer 200 again
POST /heartbeat          the dead man's switch Alertmanager pings with HealthcheckWatchdog
GET  /heartbeat          how many pings arrived
POST /fallback/slack     the fallback receiver's Slack incoming webhook (the pack's alerts on
                         itself, sent by Alertmanager around alert-receiver): kept, one JSON line
                         each, in --fallback-log
GET  /fallback/slack     how many arrived, and the e-mails the SMTP sink (--smtp-port) received
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import socket
import threading
from pathlib import Path

from demo.smtp_sink import SmtpSink


class Workload:
    def __init__(self, db_port: int) -> None:
        self.db_port = db_port
        self.web_broken = False
        self.heartbeats = 0
        self.fallback_posts = 0
        self.fallback_log: Path | None = None
        self.smtp: SmtpSink | None = None
        self._db: socket.socket | None = None
        self._lock = threading.Lock()
        self.fix_db()

    def fix_db(self) -> None:
        with self._lock:
            if self._db is None:
                self._db = socket.create_server(("127.0.0.1", self.db_port), backlog=64)
                threading.Thread(target=self._accept, args=(self._db,), daemon=True).start()

    def break_db(self) -> None:
        """Refuse connections from now on. close() alone would not: the accepting thread's
        accept() keeps the listening socket open until its next connection arrives, so one more
        probe would succeed; shutdown() wakes it and stops the listening at once (Linux)."""
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(OSError):
                    self._db.shutdown(socket.SHUT_RDWR)
                self._db.close()
                self._db = None

    @staticmethod
    def _accept(sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.close()


def handler(workload: Workload) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/heartbeat":
                self._reply(200, f"{workload.heartbeats} heartbeats")
            elif self.path == "/fallback/slack":
                mails = len(workload.smtp.mails) if workload.smtp else 0
                self._reply(200, f"{workload.fallback_posts} posts, {mails} e-mails")
            elif self.path == "/healthz":
                self._reply(
                    503 if workload.web_broken else 200, "down" if workload.web_broken else "ok"
                )
            else:
                self._reply(200, __doc__ or "")

        def do_POST(self) -> None:
            if self.path == "/heartbeat":
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                workload.heartbeats += 1
                self._reply(200, "ok")
                return
            if self.path == "/fallback/slack":
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                workload.fallback_posts += 1
                if workload.fallback_log is not None:
                    with workload.fallback_log.open("ab") as out:
                        out.write(body.replace(b"\n", b" ") + b"\n")
                self._reply(200, "ok")  # what Slack's incoming webhooks answer
                return
            actions = {
                "/break/db": workload.break_db,
                "/fix/db": workload.fix_db,
                "/break/web": lambda: setattr(workload, "web_broken", True),
                "/fix/web": lambda: setattr(workload, "web_broken", False),
            }
            action = actions.get(self.path)
            if action is None:
                self._reply(404, "unknown action")
                return
            action()
            self._reply(200, f"done: {self.path}")

        def _reply(self, code: int, text: str) -> None:
            body = (text + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    p = argparse.ArgumentParser(description="demo workload")
    p.add_argument("--web-port", type=int, required=True)
    p.add_argument("--db-port", type=int, required=True)
    p.add_argument("--fallback-log", type=Path, help="JSON lines of the fallback's Slack posts")
    p.add_argument("--smtp-port", type=int, help="run the SMTP sink for the fallback's e-mail")
    args = p.parse_args()
    workload = Workload(args.db_port)
    workload.fallback_log = args.fallback_log
    if args.smtp_port:
        workload.smtp = SmtpSink(args.smtp_port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.web_port), handler(workload))
    server.serve_forever()


if __name__ == "__main__":
    main()
