"""integrations.alertmanager against the real Alertmanager (Debian package)."""

from __future__ import annotations

import time
import urllib.parse

import pytest

from integrations.alertmanager import AlertmanagerClient, matcher, silence_url
from tests.alert_receiver.daemons import Alertmanager
from tests.alert_receiver.test_e2e import am_alert, post_json

pytestmark = pytest.mark.integration


def test_lists_firing_alerts_with_filters(tmp_path):
    (tmp_path / "t").write_text("x")
    am = Alertmanager(tmp_path, "http://127.0.0.1:9/unused", tmp_path / "t")
    client = AlertmanagerClient(am.url)
    try:
        post_json(f"{am.url}/api/v2/alerts", [am_alert("One"), am_alert("Two")])
        deadline = time.monotonic() + 10
        while len(client.alerts()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert {a["labels"]["alertname"] for a in client.alerts()} == {"One", "Two"}
        [two] = client.alerts(filters=[matcher("alertname", "Two")])
        assert two["status"]["state"] == "active"
        assert two["fingerprint"]
    finally:
        client.close()
        am.close()


def test_silence_url_quotes_values():
    url = silence_url(
        "http://am:9093/", {"alertname": "X", "pod": 'a"b', "other": "z"}, ["alertname", "pod"]
    )
    assert url.startswith("http://am:9093/#/silences/new?filter=")
    assert urllib.parse.unquote(url.split("filter=")[1]) == '{alertname="X",pod="a\\"b"}'
