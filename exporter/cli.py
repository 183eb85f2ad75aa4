"""`healthcheck-exporter --config FILE --listen HOST:PORT`: wiring only.

Exits 2 with every config problem listed (file, key, what was expected) when the first load
fails; after that, reloads on SIGHUP and when the file's content changes, keeping the running
config when a new one is bad.
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import sys
import threading
from collections.abc import Sequence

from exporter import __version__
from exporter.config import ConfigError, load_config
from exporter.probe_loop import ProbeLoop
from exporter.reload import ConfigHolder
from exporter.server import Exporter, ExporterServer, parse_listen
from runtime.logfmt import setup_logging

log = logging.getLogger("exporter")


def _raise_fd_limit() -> None:
    """Every concurrent probe holds a socket; lift the soft limit to the hard one as Go does."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="healthcheck-exporter",
        description="Probe TCP, HTTP, HAProxy and disk targets at scrape time; serve /metrics.",
    )
    p.add_argument("--config", required=True, metavar="FILE", help="YAML config file")
    p.add_argument(
        "--listen",
        default=":9877",
        metavar="HOST:PORT",
        help="address to serve /metrics on (default :9877, all interfaces)",
    )
    p.add_argument(
        "--timeout-offset",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="subtracted from Prometheus' scrape timeout to get the probes' deadline (default 0.5)",
    )
    p.add_argument(
        "--watch-interval",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how often to check the config file for changes; 0 disables (default 10)",
    )
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--check-config", action="store_true", help="validate the config file and exit")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(args.log_level)
    if args.check_config:
        try:
            cfg = load_config(args.config)
        except ConfigError as e:
            print(e, file=sys.stderr)
            return 2
        print(f"{args.config}: ok, {sum(1 for _ in cfg.targets())} targets")
        return 0
    try:
        listen = parse_listen(args.listen)
    except ValueError as e:
        print(f"healthcheck-exporter: --listen: {e}", file=sys.stderr)
        return 2
    try:
        holder = ConfigHolder(args.config)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2

    # Handlers first: a SIGTERM right after the "listening" line must still shut down cleanly.
    wake = threading.Event()
    reasons: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        reasons.append("hup" if signum == signal.SIGHUP else "stop")
        wake.set()

    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)

    _raise_fd_limit()
    loop = ProbeLoop()
    try:
        server = ExporterServer(listen, Exporter(holder, loop, args.timeout_offset))
    except OSError as e:
        print(f"healthcheck-exporter: cannot listen on {args.listen}: {e}", file=sys.stderr)
        return 1
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    host, port = server.server_address[:2]
    log.info(
        "listening on %s:%s with %d targets from %s",
        host,
        port,
        sum(1 for _ in holder.config.targets()),
        args.config,
    )

    interval = args.watch_interval if args.watch_interval > 0 else None
    while True:
        wake.wait(interval)
        wake.clear()
        pending = set()
        while reasons:  # pop() is atomic with respect to the handler, clear() after a copy is not
            pending.add(reasons.pop())
        if "stop" in pending:
            break
        if "hup" in pending:
            log.info("SIGHUP: reloading %s", args.config)
            holder.reload()
        elif interval and holder.changed_on_disk():
            log.info("%s changed on disk: reloading", args.config)
            holder.reload()
    log.info("shutting down")
    server.shutdown()
    server.server_close()
    loop.close()
    return 0
