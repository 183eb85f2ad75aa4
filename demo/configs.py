"""The configs the demo and the end-to-end test run: the shipped files, with local URLs.

Prometheus gets the shipped scrape settings for the exporter (interval and timeout read from
`k8s/exporter/podmonitor.yaml`, 2 s and 2 s) and the generated rule files as they are;
Alertmanager gets `k8s/alertmanager/alertmanager.yml` with only the receiver's URL, its token
file, the dead man's switch URL and the fallback receiver's webhook URL file, SMTP server and
password file replaced (and `require_tls` off: the local SMTP sink speaks no TLS). Nothing here
changes a route, a rule or a duration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ALERTMANAGER_YML = ROOT / "k8s" / "alertmanager" / "alertmanager.yml"
PODMONITOR_YAML = ROOT / "k8s" / "exporter" / "podmonitor.yaml"
RULE_FILES = sorted((ROOT / "rules" / "generated").glob("*.rules.yaml"))

# What the shipped alertmanager.yml points at in a cluster, to be replaced locally.
SHIPPED_RECEIVER_URL = "http://alert-receiver.bravo-ai-integration-ns:8080/api/v1/alerts"
SHIPPED_TOKEN_FILE = "/etc/alertmanager/secrets/bravo-secrets/ALERT_RECEIVER_TOKEN"  # noqa: S105
SHIPPED_HEARTBEAT_URL = "https://heartbeat.example.com/ping/bravo-monitoring-pack"
SHIPPED_FALLBACK_URL_FILE = (
    "/etc/alertmanager/secrets/bravo-secrets/PACK_FALLBACK_SLACK_WEBHOOK_URL"
)
SHIPPED_SMTP_PASSWORD_FILE = "/etc/alertmanager/secrets/bravo-secrets/PACK_FALLBACK_SMTP_PASSWORD"  # noqa: S105
SHIPPED_SMARTHOST = "smtp.example.com:587"


@dataclass(frozen=True)
class Fallback:
    """Where the fallback receiver (the pack's alerts on itself) goes locally."""

    webhook_url_file: Path  # holds the URL of a local Slack incoming-webhook stand-in
    smarthost: str  # 127.0.0.1:port of a local SMTP sink (demo/smtp_sink.py)
    password_file: Path


def alertmanager_config(
    receiver_url: str, token_file: Path, heartbeat_url: str, fallback: Fallback
) -> str:
    """The shipped alertmanager.yml, routing to a local receiver, dead man's switch and
    fallback."""
    text = ALERTMANAGER_YML.read_text()
    for old, new in (
        (SHIPPED_RECEIVER_URL, receiver_url),
        (SHIPPED_TOKEN_FILE, str(token_file)),
        (SHIPPED_HEARTBEAT_URL, heartbeat_url),
        (SHIPPED_FALLBACK_URL_FILE, str(fallback.webhook_url_file)),
        (SHIPPED_SMTP_PASSWORD_FILE, str(fallback.password_file)),
        (SHIPPED_SMARTHOST, fallback.smarthost),
        ("require_tls: true", "require_tls: false"),
    ):
        if old not in text:
            raise ValueError(
                f"{ALERTMANAGER_YML} no longer contains {old!r}: update demo/configs.py"
            )
        text = text.replace(old, new)
    return text


def exporter_scrape() -> tuple[str, str]:
    """The shipped PodMonitor's `interval` and `scrapeTimeout`: how often each node probes."""
    doc = yaml.safe_load(PODMONITOR_YAML.read_text())
    [endpoint] = doc["spec"]["podMetricsEndpoints"]
    return str(endpoint["interval"]), str(endpoint["scrapeTimeout"])


def prometheus_config(
    exporter: str,
    receiver: str,
    alertmanager: str,
    node: str,
    cluster: str = "demo",
    node_exporter: str = "",
    receiver_interval: str = "15s",
    evaluation_interval: str = "15s",
) -> str:
    """Prometheus scraping the exporter (as the shipped PodMonitor does), the receiver and
    node_exporter, alerting to Alertmanager. A test may scrape the receiver and evaluate the
    (unchanged) rules more often."""
    interval, timeout = exporter_scrape()
    config = {
        "global": {
            "scrape_interval": "15s",
            "evaluation_interval": evaluation_interval,
            "external_labels": {"cluster": cluster},
        },
        "rule_files": [str(f) for f in RULE_FILES],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}],
        },
        "scrape_configs": [
            {
                "job_name": "healthcheck-exporter",
                "scrape_interval": interval,
                "scrape_timeout": timeout,
                "static_configs": [{"targets": [exporter], "labels": {"node": node}}],
            },
            {
                "job_name": "alert-receiver",
                "scrape_interval": receiver_interval,
                "static_configs": [{"targets": [receiver]}],
            },
        ],
    }
    if node_exporter:  # scraped as a plain PodMonitor would: `instance` is its address
        config["scrape_configs"].append(  # type: ignore[attr-defined]
            {
                "job_name": "node-exporter",
                "scrape_interval": "5s",
                "static_configs": [{"targets": [node_exporter]}],
            }
        )
    return json.dumps(config, indent=2) + "\n"


def haproxy_config(stats: int, web: int, health_path: str, edge: int | None = None) -> str:
    """HAProxy in front of the workload's web app: the stats page the exporter reads, and an
    `edge` frontend when something should go through it."""
    front = f"frontend edge\n    bind 127.0.0.1:{edge}\n    default_backend web\n" if edge else ""
    return f"""global
    maxconn 100
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
{front}backend web
    option httpchk GET {health_path}
    server web1 127.0.0.1:{web} check inter 2s
"""
