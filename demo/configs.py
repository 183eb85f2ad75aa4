"""The configs the demo and the end-to-end test run: the shipped files, with local URLs.

Prometheus gets the shipped scrape settings for the exporter (interval and timeout read from
`k8s/exporter/podmonitor.yaml`, 2 s and 2 s) and the generated rule files as they are;
Alertmanager gets `k8s/alertmanager/alertmanager.yml` with only the receiver's URL, its token
file and the dead man's switch URL replaced. Nothing here changes a route, a rule or a duration.
"""

from __future__ import annotations

import json
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


def alertmanager_config(receiver_url: str, token_file: Path, heartbeat_url: str) -> str:
    """The shipped alertmanager.yml, routing to a local receiver and dead man's switch."""
    text = ALERTMANAGER_YML.read_text()
    for old, new in (
        (SHIPPED_RECEIVER_URL, receiver_url),
        (SHIPPED_TOKEN_FILE, str(token_file)),
        (SHIPPED_HEARTBEAT_URL, heartbeat_url),
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
) -> str:
    """Prometheus scraping the exporter (as the shipped PodMonitor does), the receiver and
    node_exporter, alerting to Alertmanager."""
    interval, timeout = exporter_scrape()
    config = {
        "global": {
            "scrape_interval": "15s",
            "evaluation_interval": "15s",
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
                "scrape_interval": "15s",
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
