"""`reporter {daily,weekly,monthly} [--end ISO8601] [--out DIR] [--no-send]`: wiring only.

Reads the settings once, collects, writes the PDF and CSVs to DIR (printing their paths), then
delivers unless `--no-send`. Exit codes: 0 all went well; 1 the report was written (and
delivered where possible) but a source, Bedrock or a delivery failed, so the CronJob shows it;
2 bad arguments or settings, nothing written.
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
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from integrations.aws import aws_session
from integrations.bedrock import BedrockClient
from integrations.errors import IntegrationError, NotConfigured
from integrations.kubernetes import KubernetesClient, in_cluster_namespace
from integrations.loki import LokiClient
from integrations.prometheus import PrometheusClient
from integrations.ses import Attachment, SesClient
from integrations.slack import WebApiSlack
from reporter.collect import Clients, Options, collect
from reporter.csvs import write_csvs
from reporter.delivery import (
    ConfigMapRecord,
    Deliverer,
    FileRecord,
    RecordStore,
    UnavailableRecord,
)
from reporter.logs import LogQuery
from reporter.messages import email_body, email_subject, report_id, slack_comment, stem
from reporter.model import ReportData
from reporter.narrative import write_narrative
from reporter.pdf import PdfError, html_to_pdf
from reporter.period import KINDS, default_end, parse_end, period_for
from reporter.queries import Queries, check_matchers
from reporter.render import render_html
from reporter.settings import Settings
from reporter.tables import build_tables
from rules import ConfigError, load_config
from rules.config import DEFAULT_CONFIG
from runtime.logfmt import setup_logging
from runtime.redact import Redactor
from runtime.settings import SettingsError

if TYPE_CHECKING:
    import boto3

log = logging.getLogger("reporter")

# Exit codes, for the CronJob's podFailurePolicy (k8s/reporter/): a run that could not deliver is
# worth retrying (the delivery record keeps a retry from sending twice); a report that went out
# with a section missing is not, a retry would only fail the same way.
EXIT_FAILED = 1  # not delivered (or no PDF): retry
EXIT_USAGE = 2  # bad arguments or settings
EXIT_INCOMPLETE = 3  # delivered, but a source or the narrative failed: the Job fails, no retry
RECORD_CONFIGMAP = "reporter-delivery-record"


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
        options = _options(settings, env)
    except (SettingsError, ConfigError, ValueError) as e:
        print(f"reporter: {e}", file=sys.stderr)
        return EXIT_USAGE
    out_dir = Path(args.out or settings.out_dir)
    return run(args.kind, end, out_dir, settings, options, send=not args.no_send, environ=env)


def _options(settings: Settings, environ: Mapping[str, str]) -> Options:
    rules = load_config(settings.rules_config or DEFAULT_CONFIG, environ=environ)
    th = rules.thresholds
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
        queries=Queries(
            extra=check_matchers(settings.prometheus_selector),
            ksm=rules.selectors.kube_state_metrics,
            quantile=rules.istio.latency_quantile,
        ),
        logs=LogQuery(
            selector=settings.loki_selector,
            logs=rules.logs,
            sample=settings.loki_sample_lines,
            top=settings.top_n,
        ),
        thresholds={
            area: (getattr(th, area).warning, getattr(th, area).critical)
            for area in ("cpu", "memory", "disk", "error_rate", "latency")
        },
        links=links,
        redactor=Redactor(settings.redact_patterns),
    )


def build_clients(settings: Settings, environ: Mapping[str, str]) -> Clients:
    clients = Clients()
    if settings.prometheus_url:
        clients.prometheus = PrometheusClient(
            settings.prometheus_url, timeout=settings.prometheus_timeout
        )
    if settings.loki_url:
        clients.loki = LokiClient(
            settings.loki_url, timeout=settings.loki_timeout, tenant=settings.loki_tenant or None
        )
    if settings.kubernetes != "off":
        try:
            clients.kubernetes = KubernetesClient.from_config(
                kubeconfig=settings.kubeconfig or None,
                context=settings.kubernetes_context or None,
                environ=environ,
                timeout=settings.kubernetes_timeout,
            )
        except NotConfigured as e:
            # auto: no in-cluster service account and no kubeconfig is "not configured", and
            # the report says so; a kubeconfig that exists but does not load is a failure.
            log.info("kubernetes: %s", e.reason)
            if settings.kubeconfig or environ.get("KUBERNETES_SERVICE_HOST"):
                clients.unavailable["kubernetes"] = e.reason
    return clients


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
    try:
        # Everything the report shows, sends or asks a model about is built from this: redacted
        # once here, with the site's patterns (REDACT_EXTRA_PATTERNS) as the receiver uses them.
        data = options.redactor.walk(collect(period, clients, options, clock=clock))
        bedrock, bedrock_error = _bedrock(settings)
        narrative = write_narrative(data, lang, bedrock, options.redactor)
        if bedrock is not None:
            bedrock.close()
        data = replace(data, narrative=narrative)
        html = render_html(data, lang)
        try:
            pdf = html_to_pdf(html)
        except PdfError as e:
            log.error("cannot write the PDF: %s", e)
            return EXIT_FAILED
        out_dir.mkdir(parents=True, exist_ok=True)
        name = stem(data, lang)
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
            delivered = _deliver(
                data, lang, pdf, pdf_path.name, settings, clients, out_dir, options.redactor
            )
    finally:
        clients.close()
    if not delivered:
        return EXIT_FAILED
    incomplete = bool(data.failed_sources) or bedrock_error or narrative_failed(data)
    return EXIT_INCOMPLETE if incomplete else 0


def narrative_failed(data: ReportData) -> bool:
    """Bedrock was configured but the rule-based summary had to be used."""
    n = data.narrative
    return n is not None and n.source == "rules" and bool(n.model)


def _aws(settings: Settings) -> boto3.Session:
    return aws_session(
        settings.aws_access_key_id, settings.aws_secret_access_key, settings.aws_session_token
    )


def _bedrock(settings: Settings) -> tuple[BedrockClient | None, bool]:
    if not settings.bedrock_enabled:
        return None, False
    try:
        return BedrockClient(
            region=settings.aws_region or None,
            model_id=settings.bedrock_model_id or None,
            agent_id=settings.bedrock_agent_id or None,
            agent_alias_id=settings.bedrock_agent_alias_id or None,
            endpoint_url=settings.bedrock_endpoint_url or None,
            timeout=settings.bedrock_timeout,
            max_attempts=settings.bedrock_max_attempts,
            max_tokens=1500,
            session=_aws(settings),
        ), False
    except IntegrationError as e:
        log.error("bedrock: %s", e)
        return None, True


def record_store(settings: Settings, clients: Clients, out_dir: Path) -> RecordStore:
    where = settings.delivery_record
    if where.startswith("file:"):
        return FileRecord(Path(where[len("file:") :]))
    if where.startswith("configmap:") and clients.kubernetes is not None:
        namespace, _, name = where[len("configmap:") :].partition("/")
        return ConfigMapRecord(clients.kubernetes, namespace, name)
    own_namespace = in_cluster_namespace()
    if not where and own_namespace and clients.kubernetes is not None:
        return ConfigMapRecord(clients.kubernetes, own_namespace, RECORD_CONFIGMAP)
    if where:  # a ConfigMap was asked for but the Kubernetes API is not there
        reason = clients.unavailable.get("kubernetes", "the Kubernetes API is not configured")
        return UnavailableRecord(where, reason)
    return FileRecord(out_dir / "delivery-record.json")


def _deliver(
    data: ReportData,
    lang: str,
    pdf: bytes,
    filename: str,
    settings: Settings,
    clients: Clients,
    out_dir: Path,
    redact: Redactor,
) -> bool:
    channels: dict[str, Callable[[], str]] = {}
    if settings.slack_enabled:

        def to_slack() -> str:
            slack = WebApiSlack(
                settings.slack_bot_token,
                settings.slack_channel,
                base_url=settings.slack_api_url,
                timeout=settings.slack_timeout,
                max_attempts=3,
            )
            return slack.upload_file(
                pdf, filename, title=filename, comment=redact(slack_comment(data, lang))
            )

        channels["slack"] = to_slack
    if settings.email_enabled:

        def to_email() -> str:
            ses = SesClient(
                region=settings.ses_region,
                sender=settings.ses_from_email,
                endpoint_url=settings.ses_endpoint_url or None,
                session=_aws(settings),
            )
            try:
                ids = ses.send(
                    settings.team_emails,
                    redact(email_subject(data, lang)),
                    redact(email_body(data, lang)),
                    [Attachment(filename, pdf, "application/pdf")],
                )
            finally:
                ses.close()
            return ",".join(ids)

        channels["email"] = to_email
    if not channels:
        log.info("no delivery configured (SLACK_BOT_TOKEN, TEAM_EMAILS): files written only")
        return True
    store = record_store(settings, clients, out_dir)
    run_id = f"{socket.gethostname()}-{os.getpid()}-{int(time.time())}"
    outcomes = Deliverer(store, run_id).deliver(report_id(data), channels)
    for o in outcomes:
        level = logging.INFO if o.ok else logging.ERROR
        log.log(
            level,
            "delivery: channel=%s status=%s detail=%s record=%s",
            o.channel,
            o.status,
            o.detail,
            store.description,
        )
    return all(o.ok for o in outcomes)


if __name__ == "__main__":
    sys.exit(main())
