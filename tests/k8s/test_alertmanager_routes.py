"""Where the shipped Alertmanager config sends each kind of alert, asked of amtool itself
(`amtool config routes test`), for k8s/alertmanager/alertmanager.yml.

The pack's alerts on its own paging path must not travel it: every `AlertReceiver*` alert goes
to `pack-fallback` (Alertmanager's own Slack webhook and e-mail), nothing else does, and the
Watchdog keeps its dead man's switch. Every rule the generator writes is checked, so a new
`AlertReceiver*` alert cannot fall through to alert-receiver unnoticed.
"""

from __future__ import annotations

import subprocess

import pytest
import yaml

from rules import load_config
from rules.generate import build_groups
from rules.model import Alert
from tests.helpers import require_binary
from tests.k8s.conftest import K8S

CONFIG = K8S / "alertmanager" / "alertmanager.yml"
ALERTS = sorted(
    {
        (r.name, r.severity)
        for g in build_groups(load_config())
        for r in g.rules
        if isinstance(r, Alert)
    }
)


def receivers(**labels: str) -> list[str]:
    amtool = require_binary("amtool")
    proc = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={CONFIG}"]
        + [f"{k}={v}" for k, v in labels.items()],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return proc.stdout.split()


@pytest.mark.parametrize(("name", "severity"), ALERTS, ids=[f"{n}-{s}" for n, s in ALERTS])
def test_each_alert_reaches_the_receiver_it_does_not_depend_on(name: str, severity: str) -> None:
    got = receivers(alertname=name, severity=severity, cluster="prod", namespace="shop")
    if name.startswith("AlertReceiver"):
        assert got == ["pack-fallback"]
    elif name == "HealthcheckWatchdog":
        assert got == ["deadmans-switch"]
    else:
        assert got == ["bravo-receiver"]


def test_the_fallback_does_not_go_through_alert_receiver_and_reads_its_secrets_from_files():
    plain = yaml.safe_load(CONFIG.read_text())
    (fallback,) = [r for r in plain["receivers"] if r["name"] == "pack-fallback"]
    assert "webhook_configs" not in fallback
    (slack,) = fallback["slack_configs"]
    assert "api_url" not in slack
    assert slack["api_url_file"].startswith("/etc/alertmanager/secrets/")
    (mail,) = fallback["email_configs"]
    assert "auth_password" not in mail
    assert mail["auth_password_file"].startswith("/etc/alertmanager/secrets/")
    assert mail["require_tls"] is True
    assert slack["send_resolved"] is True
    assert mail["send_resolved"] is True
    # Outside text (labels, annotations) is escaped before Slack; the runbook URL is ours.
    for text in (slack["title"], slack["text"], slack["fallback"]):
        assert text.count('reReplaceAll "<" "&lt;"') == text.count("{{ .Annotations.") + text.count(
            "{{ .CommonLabels."
        ) - text.count("runbook_url")
