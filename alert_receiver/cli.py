"""`alert-receiver --listen HOST:PORT`: a small supervisor of two processes.

    alert-receiver (supervisor: no threads, no sockets; restarts a child that dies)
    ├── web:      gunicorn (arbiter + two gthread workers) serving create_app()
    └── delivery: claims tasks from the queue; Loki, Bedrock and Slack happen here, and the
                  Socket Mode connection (SLACK_APP_TOKEN) that brings Slack's buttons and /bravo

Why two processes and not a delivery thread inside the gunicorn worker: the webhook must be
answered in milliseconds while delivery renders blocks, parses JSON and waits on three outside
systems; in one process they would share one GIL, and Alertmanager's acks would wait for Slack
rendering. Separate, a crashed or hung delivery cannot stop intake (alerts are still stored, and
delivered when it comes back), and gunicorn can recycle its worker without touching deliveries.
Gunicorn's arbiter reaps any child, so the supervisor (not a gunicorn hook) owns both.

They share only the store: SQLite (one host; the delivery process holds an exclusive lock on
`<db>.delivery.lock`, so exactly one delivery process works on a database and every lease found
at its start is stale) or Redis (several replicas, each with its own delivery process; a dead
replica's leases expire and the live ones take its tasks over). The supervisor draws an identity
once (identity.py) and hands it to each delivery process it starts: a restarted delivery process
releases its predecessors' leases at once, and never those of another replica on the same host.
Counters from both processes reach /metrics through prometheus_client's multiprocess mode, in a
directory the supervisor creates and removes.
`--role web|delivery` runs one child directly (the supervisor uses it; so can a second container).
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from alert_receiver import __version__
from alert_receiver.logfmt import setup_logging
from alert_receiver.settings import Settings
from runtime.settings import SettingsError

log = logging.getLogger("alert_receiver")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alert-receiver",
        description="Alertmanager webhook receiver: Loki log context, Bedrock analysis, Slack.",
    )
    p.add_argument(
        "--listen",
        default=":9097",
        metavar="HOST:PORT",
        help="address for the webhook, /healthz, /readyz and /metrics (default :9097)",
    )
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="accept webhooks without a bearer token (local demo only)",
    )
    p.add_argument("--log-level", choices=("debug", "info", "warning", "error"))
    p.add_argument("--check-config", action="store_true", help="validate the settings and exit")
    p.add_argument(
        "--role", choices=("all", "web", "delivery"), default="all", help=argparse.SUPPRESS
    )
    # The supervisor's identity, handed to each delivery process it starts (identity.py).
    p.add_argument("--instance", help=argparse.SUPPRESS)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as e:
        setup_logging("info")
        print(f"alert-receiver: {e}", file=sys.stderr)
        return 2
    if args.insecure_no_auth:
        settings = dataclasses.replace(settings, insecure_no_auth=True)
    if args.log_level:
        settings = dataclasses.replace(settings, log_level=args.log_level)
    setup_logging(settings.log_level)
    if settings.slack_actions == "off" and (
        settings.slack_app_token or settings.slack_signing_secret
    ):
        log.warning(
            "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set, but acting from Slack needs "
            "SLACK_BOT_TOKEN (and SLACK_CHANNEL): actions are off"
        )
    if not (settings.token or settings.token_file) and not settings.insecure_no_auth:
        print(
            "alert-receiver: no ALERT_RECEIVER_TOKEN or ALERT_RECEIVER_TOKEN_FILE: refusing to "
            "accept unauthenticated webhooks (pass --insecure-no-auth for a local demo)",
            file=sys.stderr,
        )
        return 2
    try:
        from alert_receiver.serve import bind_address

        bind = bind_address(args.listen)
    except ValueError as e:
        print(f"alert-receiver: --listen: {e}", file=sys.stderr)
        return 2
    if args.check_config:
        print(
            f"settings ok: queue {settings.queue_description}, slack {settings.slack_mode}, "
            f"slack actions {settings.slack_actions}"
        )
        return 0
    if args.role == "web":
        from alert_receiver.serve import WebServer

        WebServer(settings, bind).run()
        return 0
    if args.role == "delivery":
        return run_delivery(settings, args.instance)
    if settings.insecure_no_auth:
        log.warning(
            "!!! --insecure-no-auth: ANYONE who can reach %s can post alerts to Slack. "
            "Use this for a local demo only; set ALERT_RECEIVER_TOKEN in production !!!",
            bind,
        )
    return Supervisor(args, settings).run()


def run_delivery(settings: Settings, instance: str | None = None) -> int:
    """The delivery process: one life of `instance` (a new one when run on its own)."""
    from alert_receiver import identity
    from alert_receiver.clients import build_clients
    from alert_receiver.metrics import Metrics
    from alert_receiver.store import open_store
    from alert_receiver.wiring import build_delivery

    # Acknowledging Alertmanager is the latency that matters; in an alert storm the delivery
    # process would take a whole core and make the webhook wait, so the kernel prefers the web.
    os.nice(settings.delivery_nice)
    lock = None
    instance = instance or identity.new_instance()
    if settings.redis_url:
        prefix = identity.lives_of(instance)  # never another process's: it may be alive
    else:
        lock = Path(settings.db_path + ".delivery.lock").open("w")  # noqa: SIM115 - held until exit
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another delivery process uses %s; waiting for its lock", settings.db_path)
            fcntl.flock(lock, fcntl.LOCK_EX)
        prefix = ""  # we hold the lock: every lease in the database is stale
    store = open_store(settings, delivery=True)
    clients = build_clients(settings)
    metrics = Metrics()
    delivery = build_delivery(
        settings,
        store,
        clients,
        metrics,
        owner=identity.owner_of(instance),
        recover_prefix=prefix,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    delivery.start()
    dispatcher = socket = None
    if "socket" in settings.slack_actions:  # one Socket Mode connection per replica, held here
        from alert_receiver.slack_wiring import build_dispatcher, build_socket_mode

        dispatcher = build_dispatcher(settings, store, clients, metrics)
        socket = build_socket_mode(settings, dispatcher)
        socket.start()
    log.info(
        "delivering from %s to Slack (%s); Loki %s, analysis by %s",
        settings.queue_description,
        settings.slack_mode,
        "on" if settings.loki_url else "off",
        delivery.pipeline.analyst.label,
    )
    stop.wait()
    log.info("stopping delivery; %d task(s) running", delivery.running)
    if socket is not None and dispatcher is not None:
        socket.close()  # no new envelopes; the actions already running finish
        dispatcher.close()
    delivery.stop()
    clients.close()
    store.close()
    if lock is not None:
        lock.close()
    return 0


class Supervisor:
    QUICK_EXIT = 5.0  # a child that dies sooner than this after starting counts as failing to start
    MAX_QUICK_EXITS = 3

    def __init__(self, args: argparse.Namespace, settings: Settings) -> None:
        from alert_receiver import identity

        self.args, self.settings = args, settings
        self.instance = identity.new_instance()  # each delivery process is one life of it
        self.stopping = False
        self.children: dict[str, subprocess.Popen] = {}
        self.started: dict[str, float] = {}
        self.quick_exits: dict[str, int] = {}

    def _command(self, role: str) -> list[str]:
        cmd = [sys.executable, "-m", "alert_receiver", "--role", role, "--listen", self.args.listen]
        if self.settings.insecure_no_auth:
            cmd.append("--insecure-no-auth")
        if role == "delivery":
            cmd += ["--instance", self.instance]
        return [*cmd, "--log-level", self.settings.log_level]

    def _spawn(self, role: str) -> None:
        self.children[role] = subprocess.Popen(self._command(role), env=self.env)
        self.started[role] = time.monotonic()

    def run(self) -> int:
        from alert_receiver.store import open_store
        from alert_receiver.store.base import StoreError

        try:  # fail fast, with one clear line, on a queue we cannot open
            store = open_store(self.settings)
            store.ping()
            store.close()
        except StoreError as e:
            log.error("cannot open the queue (%s): %s", self.settings.queue_description, e)
            return 1
        metrics_dir = tempfile.mkdtemp(prefix="alert-receiver-metrics-")
        self.env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=metrics_dir)

        def on_signal(signum: int, _frame: object) -> None:
            self.stopping = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        try:
            for role in ("delivery", "web"):
                self._spawn(role)
            return self._watch()
        finally:
            self._stop_children()
            shutil.rmtree(metrics_dir, ignore_errors=True)

    def _watch(self) -> int:
        while not self.stopping:
            time.sleep(0.2)
            for role, proc in list(self.children.items()):
                code = proc.poll()
                if code is None or self.stopping:
                    continue
                lived = time.monotonic() - self.started[role]
                quick = lived < self.QUICK_EXIT
                self.quick_exits[role] = self.quick_exits.get(role, 0) + 1 if quick else 0
                if self.quick_exits[role] >= self.MAX_QUICK_EXITS:
                    log.error("%s process keeps exiting at start (code %s); giving up", role, code)
                    return 1
                log.error(
                    "%s process exited with code %s after %.0fs; restarting", role, code, lived
                )
                time.sleep(min(10.0, 0.5 * 2 ** self.quick_exits[role]))
                self._spawn(role)
        log.info("shutting down")
        return 0

    def _stop_children(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 25
        for proc in self.children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
