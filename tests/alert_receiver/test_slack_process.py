"""`alert-receiver` itself acting from Slack: its delivery process holds the one Socket Mode
connection of the replica, its gunicorn workers answer the signed `POST /slack/events`."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.alert_receiver.daemons import ReceiverProcess
from tests.alert_receiver.test_e2e import base_env, wait_for
from tests.alert_receiver.test_slack_events import SECRET, form, signed
from tests.fakes.slack_socket import slash_command


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, body, headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        e.close()
        return e.code


@pytest.mark.integration
def test_the_receiver_acts_from_slack_over_both_transports(tmp_path, slack):
    socket = slack.open_socket_mode()
    env = {
        **base_env(tmp_path, slack),
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "LOKI_URL": "",
    }
    receiver = ReceiverProcess(env)
    try:
        assert socket.wait_connected(timeout=30)
        envelope = socket.send(
            "slash_commands", slash_command("analyze", response_url=slack.response_url("ws"))
        )
        assert socket.wait_ack(envelope, timeout=3)
        [ack] = slack.wait_replies("ws")
        assert "Analysing the whole cluster now" in ack["text"]
        [analysis] = wait_for(lambda: slack.posts())
        assert analysis["channel"] == "C0ALERTS"
        assert analysis["text"] == "Cluster state analysis"

        socket.drop(graceful=True)  # Slack ends the connection: the replica dials again
        assert socket.wait_connected(count=2, timeout=30)
        envelope = socket.send(
            "slash_commands", slash_command("help", response_url=slack.response_url("again"))
        )
        assert socket.wait_ack(envelope, timeout=3)
        assert slack.wait_replies("again")

        body = form(slash_command("help", response_url=slack.response_url("http")))
        assert post(f"{receiver.url}/slack/events", body, signed(body)) == 200
        assert "/bravo analyze" in slack.wait_replies("http")[0]["text"]
        assert post(f"{receiver.url}/slack/events", body, signed(body, age=600)) == 401

        with urllib.request.urlopen(f"{receiver.url}/metrics", timeout=10) as resp:
            metrics = resp.read().decode()
        assert 'alert_receiver_slack_actions_total{action="analyze",outcome="ok"} 1.0' in metrics
        assert 'alert_receiver_slack_actions_total{action="help",outcome="ok"} 2.0' in metrics
        assert len(socket.connections) == 2  # one at a time, one per replica: the web holds none
    finally:
        assert receiver.terminate() == 0
