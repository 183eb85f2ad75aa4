"""`reporter {daily,weekly,monthly} [--end ISO8601] [--out DIR] [--no-send]`: wiring only.

Reads the settings once, builds the clients (reporter/clients.py), fetches every section
(fetch.py), works out the key figures (figures.py), redacts it all once, writes the narrative
(narrative.py), renders the PDF and the CSVs into DIR (printing their paths), then sends them
(dispatch.py) unless `--no-send`. Exit codes: 0 all went well; 1 not delivered (or no PDF): the
CronJob retries; 2 bad arguments or settings, nothing written; 3 delivered, but a source or the
narrative failed: the Job fails without a retry (k8s/reporter/'s podFailurePolicy).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from reporter import collect, dispatch, messages
from reporter.clients import Clients, build_clients
from reporter.csvs import write_csvs
from reporter.fetch import Options
from reporter.logs import LogQuery
from reporter.model import ReportData
from reporter.narrative import write_narrative
from reporter.pdf import PdfError, html_to_pdf
from reporter.period import KINDS, default_end, parse_end, period_for
from reporter.queries import Queries, check_matchers
from reporter.render import render_html
from reporter.settings import Settings
from reporter.tables import build_tables
from rules import ConfigError, config_at
from runtime.logfmt import setup_logging
from runtime.redact import Redactor
from runtime.settings import SettingsError

log = logging.getLogger("reporter")

EXIT_FAILED = 1  # not delivered (or no PDF): retry
EXIT_USAGE = 2  # bad arguments or settings
EXIT_INCOMPLETE = 3  # delivered, but a source or the narrative failed: the Job fails, no retry


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="reporter",
        description="Write the daily, weekly or monthly PDF report (and CSVs), then deliver it "
        "to Slack and e-mail. Settings come from the environment (see reporter/README.md).",
    )
    p.add_argument("kind", choices=KINDS)
    p.add_argument(
        "--end",
        metavar="ISO8601",
        help="report on the period containing this instant (a period's own end belongs to it); "
        "default: 00:00 today in REPORT_TIMEZONE, so daily is yesterday, weekly on a Monday "
        "the week just ended, monthly on the 1st the month just ended; 'now': to date",
    )
    p.add_argument("--out", metavar="DIR", help="where to write (default REPORT_OUT_DIR)")
    p.add_argument("--no-send", action="store_true", help="write the files only")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    return p


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(args.log_level)
    env = os.environ if environ is None else environ
    try:
        settings = Settings.from_env(env)
        tz = ZoneInfo(settings.timezone)
        now = datetime.now(UTC)
        end = parse_end(args.end, tz, now) if args.end else default_end(now, tz)
        options = _options(settings)
    except (SettingsError, ConfigError, ValueError) as e:
        print(f"reporter: {e}", file=sys.stderr)
        return EXIT_USAGE
    out_dir = Path(args.out or settings.out_dir)
    return run(args.kind, end, out_dir, settings, options, send=not args.no_send, environ=env)


def _options(settings: Settings) -> Options:
    rules = config_at(settings.rules_config)
    links = {
        k: v
        for k, v in (
            ("grafana", settings.grafana_url),
            ("kiali", settings.kiali_url),
            ("prometheus", settings.prometheus_url),
        )
        if v
    }
    return Options(
        cluster=settings.cluster_name,
        top_n=settings.top_n,
        queries=Queries(extra=check_matchers(settings.prometheus_selector), rules=rules),
        logs=LogQuery(
            selector=settings.loki_selector,
            logs=rules.logs,
            sample=settings.loki_sample_lines,
            top=settings.top_n,
        ),
        links=links,
        redactor=Redactor(settings.redact_patterns),
    )


def run(
    kind: str,
    end: datetime,
    out_dir: Path,
    settings: Settings,
    options: Options,
    *,
    send: bool = True,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    stdout = stdout or sys.stdout
    lang = settings.language
    tz = ZoneInfo(settings.timezone)
    period = period_for(kind, end, tz)
    started = time.monotonic()
    clients = build_clients(settings, environ or {})
    redact = options.redactor
    try:
        data = collect(period, clients, options, clock=clock)
        # Everything the report shows, sends or asks a model about is built from this: redacted
        # once here, with the site's patterns (REDACT_EXTRA_PATTERNS) as the receiver uses them.
        data = redact.walk(data)
        data = replace(data, narrative=write_narrative(data, lang, clients.bedrock, redact))
        try:
            pdf = html_to_pdf(render_html(data, lang))
        except PdfError as e:
            log.error("cannot write the PDF: %s", e)
            return EXIT_FAILED
        out_dir.mkdir(parents=True, exist_ok=True)
        name = messages.stem(data, lang)
        pdf_path = out_dir / f"{name}.pdf"
        pdf_path.write_bytes(pdf)
        paths = [pdf_path, *write_csvs(out_dir, name, build_tables(data, lang))]
        for p in paths:
            print(p, file=stdout)
        stdout.flush()
        log.info(
            "report written: period=%s queries=%d seconds=%.1f failed_sources=%s",
            period.label,
            data.queries,
            time.monotonic() - started,
            ",".join(data.failed_sources) or "none",
        )
        delivered = True
        if send:
            report = dispatch.Report(
                id=messages.report_id(data),
                pdf=pdf,
                filename=pdf_path.name,
                slack_comment=redact(messages.slack_comment(data, lang)),
                email_subject=redact(messages.email_subject(data, lang)),
                email_body=redact(messages.email_body(data, lang)),
            )
            delivered = _send(report, settings, clients, out_dir)
    finally:
        clients.close()
    if not delivered:
        return EXIT_FAILED
    bedrock_failed = "bedrock" in clients.unavailable or narrative_failed(data)
    return EXIT_INCOMPLETE if data.failed_sources or bedrock_failed else 0


def narrative_failed(data: ReportData) -> bool:
    """Bedrock was configured but the rule-based summary had to be used."""
    n = data.narrative
    return n is not None and n.source == "rules" and bool(n.model)


def _send(report: dispatch.Report, settings: Settings, clients: Clients, out_dir: Path) -> bool:
    channels = dispatch.channels(settings, report)
    if not channels:
        log.info("no delivery configured (SLACK_BOT_TOKEN, TEAM_EMAILS): files written only")
        return True
    store = dispatch.record_store(
        settings.delivery_record,
        clients.kubernetes,
        clients.unavailable.get("kubernetes", ""),
        out_dir,
    )
    run_id = f"{socket.gethostname()}-{os.getpid()}-{int(time.time())}"
    outcomes = dispatch.Dispatcher(store, run_id).send(report.id, channels)
    for o in outcomes:
        log.log(
            logging.INFO if o.ok else logging.ERROR,
            "delivery: channel=%s status=%s detail=%s record=%s",
            o.channel,
            o.status,
            o.detail,
            store.description,
        )
    return all(o.ok for o in outcomes)


if __name__ == "__main__":
    sys.exit(main())
