"""integrations.alertmanager against the real Alertmanager (Debian package)."""

from __future__ import annotations

import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from integrations.alertmanager import AlertmanagerClient, matcher, silence_url
from integrations.errors import Rejected
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


def test_silence_made_read_and_expired(tmp_path):
    (tmp_path / "t").write_text("x")
    am = Alertmanager(tmp_path, "http://127.0.0.1:9/unused", tmp_path / "t")
    client = AlertmanagerClient(am.url)
    try:
        ends = datetime.now(UTC) + timedelta(hours=1)
        labels = {"alertname": "X", "pod": 'a"b'}
        sid = client.create_silence(labels, ends, "jane (U0JANE)", "from Slack")
        got = client.get_silence(sid)
        assert got is not None
        assert got["status"]["state"] == "active"
        assert got["createdBy"] == "jane (U0JANE)"
        assert {(m["name"], m["value"], m["isEqual"]) for m in got["matchers"]} == {
            ("alertname", "X", True),
            ("pod", 'a"b', True),
        }
        assert [s["id"] for s in client.silences([matcher("pod", 'a"b')])] == [sid]
        client.expire_silence(sid)
        expired = client.get_silence(sid)
        assert expired is not None
        assert expired["status"]["state"] == "expired"
        client.expire_silence(sid)  # again: still fine, it has ended
        assert client.get_silence(str(uuid.uuid4())) is None
        with pytest.raises(Rejected):  # Alertmanager wants at least one matcher
            client.create_silence({}, ends, "jane", "no matchers")
    finally:
        client.close()
        am.close()


def test_silence_url_quotes_values():
    url = silence_url(
        "http://am:9093/", {"alertname": "X", "pod": 'a"b', "other": "z"}, ["alertname", "pod"]
    )
    assert url.startswith("http://am:9093/#/silences/new?filter=")
    assert urllib.parse.unquote(url.split("filter=")[1]) == '{alertname="X",pod="a\\"b"}'
