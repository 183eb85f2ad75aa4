"""The web process: gunicorn, in-process (`BaseApplication`), serving `create_app()`.

Two gthread workers (`ALERT_RECEIVER_WEB_WORKERS`) of four threads (`ALERT_RECEIVER_WEB_THREADS`)
by default. A webhook costs about 1.3 to 1.8 ms of CPU (gunicorn's HTTP handling, checking the
JSON, the inbox write), and one Python process runs on one core at a time: in a storm a second
worker lets intake use a second core. Threads let the writes of a worker share one fsync
(group commit). No request waits for an outside system (`/api/v1/analyze` queues its work for the
delivery process). The store is opened in each worker after the fork (`load()`), never shared
across a fork.
"""

from __future__ import annotations

import logging
import os

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from alert_receiver.app import create_app
from alert_receiver.logfmt import LOGCONFIG
from alert_receiver.settings import Settings
from alert_receiver.store import open_store

log = logging.getLogger("alert_receiver.web")


def _when_ready(server) -> None:
    for listener in server.LISTENERS:
        host, port = listener.sock.getsockname()[:2]
        log.info("listening on %s:%s", host, port)


def _child_exit(_server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # set by the supervisor (cli.py)
        multiprocess.mark_process_dead(worker.pid)


class _Logger(glogging.Logger):
    """gunicorn builds every access line's fields whenever a logging config is given, even with
    the access logger off (LOGCONFIG): about 5 % of a webhook's CPU, spent on nothing."""

    def access(self, resp, req, environ, request_time) -> None:
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)


class WebServer(BaseApplication):
    def __init__(self, settings: Settings, bind: str) -> None:
        self.settings = settings
        self.options = {
            "bind": [bind],
            "workers": settings.web_workers,
            "worker_class": "gthread",
            "threads": settings.web_threads,
            "timeout": 30,  # gunicorn's default: every request answers in milliseconds
            "graceful_timeout": 10,
            "keepalive": 5,
            "backlog": 512,
            "accesslog": None,
            "logconfig_dict": LOGCONFIG,
            "logger_class": _Logger,
            "loglevel": settings.log_level,
            "proc_name": "alert-receiver-web",
            "when_ready": _when_ready,
            "child_exit": _child_exit,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn 24+ opens ~/.gunicorn/gunicorn.ctl: one path for every instance on the
            # host, and nothing here uses it.
            self.cfg.set("control_socket_disable", True)

    def load(self):
        # No clients: the web workers reach no outside system, the delivery process does.
        return create_app(self.settings, open_store(self.settings))


def bind_address(listen: str) -> str:
    """`HOST:PORT`, `:PORT` or `[::1]:PORT` -> gunicorn's bind string."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'expected HOST:PORT, ":PORT" or "[::1]:PORT", got {listen!r}')
    return f"{host or '0.0.0.0'}:{port}"  # noqa: S104 - ":PORT" means all interfaces
