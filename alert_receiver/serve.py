"""The web process: gunicorn, in-process (`BaseApplication`), serving `create_app()`.

One gthread worker (`ALERT_RECEIVER_WEB_WORKERS`) with `ALERT_RECEIVER_WEB_THREADS` threads by
default: the webhook handler only parses and inserts (about 300 to 500 webhooks of 10 alerts a
second on two cores), and scaling out means more replicas (with Redis), not more workers. The
store is opened in the worker after the fork (`load()`), never shared across a fork.
"""

from __future__ import annotations

import logging
import os

from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from alert_receiver.app import create_app
from alert_receiver.clients import build_clients
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


class WebServer(BaseApplication):
    def __init__(self, settings: Settings, bind: str) -> None:
        self.settings = settings
        self.options = {
            "bind": [bind],
            "workers": settings.web_workers,
            "worker_class": "gthread",
            "threads": settings.web_threads,
            "timeout": 120,  # /api/v1/analyze waits for Bedrock; the webhook answers in ms
            "graceful_timeout": 10,
            "keepalive": 5,
            "backlog": 512,
            "accesslog": None,
            "logconfig_dict": LOGCONFIG,
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
        store = open_store(self.settings)
        return create_app(self.settings, store, build_clients(self.settings))


def bind_address(listen: str) -> str:
    """`HOST:PORT`, `:PORT` or `[::1]:PORT` -> gunicorn's bind string."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f'expected HOST:PORT, ":PORT" or "[::1]:PORT", got {listen!r}')
    return f"{host or '0.0.0.0'}:{port}"  # noqa: S104 - ":PORT" means all interfaces
