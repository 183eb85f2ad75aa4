"""`/bravo analyze [namespace]` from Slack: queued from the command, analysed in the delivery
process against a real Alertmanager, posted in the channel it was asked in, naming the namespace."""

from __future__ import annotations

import pytest

from tests.alert_receiver.daemons import Alertmanager
from tests.alert_receiver.slack_actions import APP_TOKEN, start_actions
from tests.alert_receiver.test_e2e import am_alert, post_json
from tests.fakes.slack_socket import slash_command


@pytest.fixture
def alertmanager(tmp_path):
    (tmp_path / "t").write_text("x")
    am = Alertmanager(tmp_path, "http://127.0.0.1:9/unused", tmp_path / "t")
    billing = am_alert("DatabaseDown")
    billing["labels"] = {**billing["labels"], "namespace": "billing", "pod": "db-0"}
    assert post_json(f"{am.url}/api/v2/alerts", [am_alert("ApiDown"), billing]) == 200
    yield am
    am.close()


@pytest.mark.integration
def test_analyze_a_namespace_from_another_channel(receiver_factory, slack, alertmanager):
    slack.channels.add("C0OTHER")
    slack.usergroups["S0ONCALL"] = {"U0BOB"}
    r = receiver_factory(
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_ALLOWED_USERGROUP="S0ONCALL",
        ALERTMANAGER_URL=alertmanager.url,
        PROMETHEUS_URL="",
    )
    a = start_actions(r, slack.open_socket_mode())
    try:
        envelope = a.socket.send(
            "slash_commands",
            slash_command(
                "analyze shop",
                user_id="U0BOB",
                channel_id="C0OTHER",
                response_url=slack.response_url("bob"),
            ),
        )
        assert a.socket.wait_ack(envelope, timeout=3)
        [ack] = slack.wait_replies("bob")
        assert ack["response_type"] == "ephemeral"
        assert "Analysing namespace *shop* now" in ack["text"]
        [post] = r.wait(lambda: slack.posts(), timeout=20)
        assert post["channel"] == "C0OTHER"  # where it was asked, not SLACK_CHANNEL
        assert post["text"] == "Cluster state analysis: namespace shop"
        body = str(post["attachments"])
        assert "ApiDown" in body
        assert "DatabaseDown" not in body  # another namespace's alert
        assert "requested by <@U0BOB>" in body
        assert a.count("analyze", "ok") == 1
        assert r.idle()
    finally:
        a.close()


@pytest.mark.integration
def test_analyze_where_the_bot_cannot_post_answers_the_asker_privately(
    receiver_factory, slack, alertmanager
):
    """A user-group member asks in a DM: Slack refuses the post there (channel_not_found), so
    the answer reaches them through the command's response_url and nothing stays queued."""
    slack.usergroups["S0ONCALL"] = {"U0BOB"}
    r = receiver_factory(
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_ALLOWED_USERGROUP="S0ONCALL",
        ALERTMANAGER_URL=alertmanager.url,
        PROMETHEUS_URL="",
    )
    a = start_actions(r, slack.open_socket_mode())
    try:
        envelope = a.socket.send(
            "slash_commands",
            slash_command(
                "analyze", user_id="U0BOB", channel_id="D0BOB", response_url=slack.response_url("b")
            ),
        )
        assert a.socket.wait_ack(envelope, timeout=3)
        ack, answer = slack.wait_replies("b", count=2, timeout=20)
        assert "Analysing the whole cluster now" in ack["text"]
        assert answer["response_type"] == "ephemeral"
        assert "`channel_not_found`" in answer["text"]
        assert "ApiDown" in str(answer["attachments"])
        assert r.idle()
        assert slack.posts() == []
        assert r.store.stats().retrying == 0
    finally:
        a.close()


def test_analyze_outside_the_alert_channel_is_refused_and_queues_nothing(receiver_factory, slack):
    r = receiver_factory(start=False, SLACK_APP_TOKEN=APP_TOKEN)
    a = start_actions(r, slack.open_socket_mode())
    try:
        envelope = a.socket.send(
            "slash_commands",
            slash_command("analyze", channel_id="C0DM", response_url=slack.response_url("x")),
        )
        assert a.socket.wait_ack(envelope, timeout=3)
        [reply] = slack.wait_replies("x")
        assert "Not allowed here" in reply["text"]
        assert sum(r.store.stats().depth.values()) == 0
    finally:
        a.close()


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("analyze Shop;drop", "is not a Kubernetes namespace name"),
        ("analyze shop billing", "at most one namespace"),
        ("analyze <!channel>", "`&lt;!channel&gt;` is not a Kubernetes namespace name"),
    ],
)
def test_a_bad_namespace_is_answered_and_nothing_is_queued(receiver_factory, slack, text, answer):
    r = receiver_factory(start=False, SLACK_APP_TOKEN=APP_TOKEN)
    a = start_actions(r, slack.open_socket_mode())
    try:
        a.socket.send("slash_commands", slash_command(text, response_url=slack.response_url("b")))
        [reply] = slack.wait_replies("b")
        assert answer in reply["text"]
        assert sum(r.store.stats().depth.values()) == 0
    finally:
        a.close()


def test_analyze_the_whole_cluster_when_the_queue_is_down(receiver_factory, slack):
    r = receiver_factory(start=False, SLACK_APP_TOKEN=APP_TOKEN)
    a = start_actions(r, slack.open_socket_mode())
    try:
        r.store.close()  # the queue is gone: the person is told, nothing is half done
        a.socket.send(
            "slash_commands", slash_command("analyze", response_url=slack.response_url("q"))
        )
        [reply] = slack.wait_replies("q")
        assert "queue is unavailable; nothing was queued" in reply["text"]
    finally:
        a.close()


def test_a_namespace_narrows_the_metrics_that_have_one(prometheus):
    from alert_receiver.ondemand import StateCollector
    from integrations.prometheus import PrometheusClient
    from rules import config_at

    restarts = "topk(5, increase(kube_pod_container_status_restarts_total[1h]) > 0)"
    narrowed = (
        'topk(5, increase(kube_pod_container_status_restarts_total{namespace="shop"}[1h]) > 0)'
    )
    prometheus.set(narrowed, ({"namespace": "shop", "pod": "api-1"}, [3.0]))
    client = PrometheusClient(prometheus.url)
    try:
        state = StateCollector(None, client, None, config_at("").logs).collect("shop")
        asked = [q["query"] for q in prometheus.queries]
        assert narrowed in asked
        assert restarts not in asked
        assert "instance:node_cpu_utilisation:rate5m" in " ".join(asked)  # nodes: cluster-wide
        assert state.metrics["container restarts (1h)"][0]["value"] == 3.0
        StateCollector(None, client, None, config_at("").logs).collect(None)
        assert restarts in [q["query"] for q in prometheus.queries]
    finally:
        client.close()
