"""The receiver's metrics for watching its own Slack path: failures by Slack's error code, the
last success, the delivery latencies. FakeSlack answers as Slack does (a wrong token gets
`invalid_auth`, an unknown channel `channel_not_found`); nothing of ours is patched."""

from __future__ import annotations

import pytest

from alert_receiver.slack_watch import DELIVERY_OPS, REASONS, reason_of
from integrations.errors import IntegrationError, Rejected, Timeout, Unavailable
from integrations.slack import WebhookSlack
from tests.alert_receiver.payloads import alert, webhook
from tests.alert_receiver.test_pipeline import sample


def errors(r, reason: str, op: str = "post") -> float:
    return sample(r, "alert_receiver_slack_errors_total", op=op, reason=reason) or 0.0


def test_every_reason_is_exported_before_the_first_failure(receiver):
    for op in DELIVERY_OPS:
        for reason in REASONS:
            assert errors(receiver, reason, op) == 0.0
    assert sample(receiver, "alert_receiver_slack_last_success_timestamp_seconds") == 0.0


def test_a_revoked_token_counts_invalid_auth_and_the_task_keeps_being_retried(
    receiver_factory, slack
):
    r = receiver_factory(SLACK_BOT_TOKEN="xoxb-revoked")
    assert r.send(webhook(alert("DiskFull"))).status_code == 202
    assert r.wait(lambda: errors(r, "invalid_auth") >= 2)
    assert slack.posts() == []
    assert sample(r, "alert_receiver_slack_last_success_timestamp_seconds") == 0.0
    failed = sample(r, "alert_receiver_tasks_failed_total", kind="notify", reason="slack_rejected")
    assert failed is not None
    assert failed >= 2
    assert r.store.stats().retrying + sum(r.store.stats().depth.values()) >= 1  # never dropped


def test_an_unknown_channel_counts_channel_not_found(receiver_factory, slack):
    r = receiver_factory(SLACK_CHANNEL="C0GONE")
    r.send(webhook(alert("DiskFull")))
    assert r.wait(lambda: errors(r, "channel_not_found") >= 1)


def test_a_good_post_stamps_the_last_success_and_the_delays(receiver, slack):
    receiver.send(webhook(alert("DiskFull")))
    assert receiver.wait(lambda: slack.posts())
    assert receiver.wait(
        lambda: sample(receiver, "alert_receiver_analysis_delay_seconds_count") == 1.0
    )
    assert sample(receiver, "alert_receiver_slack_last_success_timestamp_seconds") > 1e9
    assert sample(receiver, "alert_receiver_slack_request_duration_seconds_count", op="post") >= 1
    assert sample(receiver, "alert_receiver_first_post_delay_seconds_count") == 1.0
    assert sum(errors(receiver, reason, op) for reason in REASONS for op in DELIVERY_OPS) == 0


def test_slack_5xx_and_timeouts_count_as_transient(receiver, slack):
    slack.fail("chat.postMessage", 503, times=2)
    receiver.send(webhook(alert("DiskFull")))
    assert receiver.wait(lambda: slack.posts())
    assert errors(receiver, "http_5xx") == 0  # retried inside the client: the call succeeded


def test_an_incoming_webhook_that_was_removed_counts_its_own_word(slack):
    hook = WebhookSlack(slack.webhook_url, max_attempts=1)
    for status, reason in ((404, "no_service"), (403, "invalid_token"), (400, "http_4xx")):
        slack.fail("webhook", status)
        with pytest.raises(Rejected) as caught:
            hook.post("hello")
        assert reason_of(caught.value) == reason


def test_reasons_stay_bounded():
    assert reason_of(Rejected("slack", "chat.postMessage: invalid_auth", code="invalid_auth")) == (
        "invalid_auth"
    )
    assert reason_of(Rejected("slack", "x", code="some_new_error")) == "http_4xx"
    assert reason_of(Unavailable("slack", "x", code="http_502")) == "http_5xx"
    assert reason_of(Timeout("slack", "x", code="timeout")) == "timeout"
    assert reason_of(IntegrationError("slack", "x")) == "other"


def test_a_deleted_message_counts_message_not_found_not_a_rejection(receiver, slack):
    """Someone deleted the incident's message: its updates fail as `message_not_found`, a reason
    of its own that AlertReceiverSlackRejected leaves out, not the `http_4xx` catch-all."""
    receiver.send(webhook(alert("DiskFull")))
    [posted] = receiver.wait(lambda: slack.posts())
    assert receiver.idle()
    with slack.lock:
        del slack.messages[posted["ts"]]
    receiver.send(webhook(alert("DiskFull", status="resolved")))
    assert receiver.wait(lambda: errors(receiver, "message_not_found", op="update") >= 1)
    assert errors(receiver, "http_4xx", op="update") == 0


def test_slack_error_families_are_named_once():
    assert reason_of(Rejected("slack", "x", code="message_not_found")) == "message_not_found"
    assert reason_of(Rejected("slack", "x", code="bad_request")) == "bad_request"
    assert reason_of(Unavailable("slack", "x", code="service_unavailable")) == "http_5xx"
    assert "http_4xx" in REASONS
