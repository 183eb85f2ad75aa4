"""integrations.slack against FakeSlack through SLACK_API_URL, as slack_sdk really calls it."""

from __future__ import annotations

import io
import json

import pytest

from integrations.errors import RateLimited, Rejected, Unavailable
from integrations.slack import SinkSlack, WebApiSlack, WebhookSlack
from tests.fakes import FakeSlack


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


def client(slack, **kw):
    sleeps: list[float] = []
    c = WebApiSlack(slack.token, "C0ALERTS", base_url=slack.api_url, sleep=sleeps.append, **kw)
    return c, sleeps


def test_post_update_reply_and_find_by_nonce(slack):
    c, _ = client(slack)
    top = c.post(
        "hello", [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}], nonce="n1"
    )
    c.update(top.ts, "hello again")
    reply = c.post("in thread", thread_ts=top.ts, nonce="n2")
    assert slack.messages[top.ts]["text"] == "hello again"
    assert slack.messages[reply.ts]["thread_ts"] == top.ts
    assert c.find("n1", since=0) == top.ts
    assert c.find("n2", since=0, thread_ts=top.ts) == reply.ts
    assert c.find("nope", since=0) is None


def test_429_waits_retry_after_shared_and_500_backs_off(slack):
    c, sleeps = client(slack, backoff=0.5)
    slack.fail("chat.postMessage", 429, retry_after=3)
    slack.fail("chat.postMessage", 503)
    c.post("x")
    assert sleeps[0] == pytest.approx(3, abs=0.05)  # Retry-After honoured
    assert 0.5 <= sleeps[1] <= 1.0  # then exponential backoff for the 5xx (2nd attempt)
    assert len(slack.posts()) == 1
    assert c.retries == 2


def test_long_rate_limit_is_handed_back_to_the_caller(slack):
    c, _ = client(slack, max_wait=5)
    slack.fail("chat.postMessage", 429, times=10, retry_after=60)
    with pytest.raises(RateLimited) as err:
        c.post("x")
    assert err.value.retry_after == pytest.approx(60, abs=1)


def test_errors_by_kind(slack):
    c, _ = client(slack, max_attempts=2)
    slack.fail("chat.postMessage", 500, times=2)
    with pytest.raises(Unavailable):
        c.post("x")
    with pytest.raises(Rejected, match="invalid_blocks"):
        c.post("x", [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}])
    bad = WebApiSlack("xoxb-wrong", "C0ALERTS", base_url=slack.api_url)
    with pytest.raises(Rejected, match="invalid_auth"):
        bad.post("x")
    with pytest.raises(Rejected, match="channel_not_found"):
        c.post("x", channel="C0NOPE")


def test_file_upload_v2(slack):
    c, _ = client(slack)
    file_id = c.upload_file(b"%PDF-1.4 report", "weekly.pdf", title="Weekly", comment="report")
    assert slack.files[file_id]["content"] == b"%PDF-1.4 report"
    assert slack.files[file_id]["channel"] == "C0ALERTS"


def test_incoming_webhook_posts_and_retries(slack):
    sleeps: list[float] = []
    w = WebhookSlack(slack.webhook_url, sleep=sleeps.append)
    slack.fail("webhook", 429, retry_after=2)
    w.post("hi", attachments=[{"color": "#fff", "blocks": []}])
    assert sleeps == [pytest.approx(2.0, abs=0.05)]
    assert slack.webhook_posts[0]["text"] == "hi"
    assert not w.supports_updates


def test_sink_writes_json_lines_and_finds_by_nonce(tmp_path):
    path = tmp_path / "out.jsonl"
    sink = SinkSlack(str(path))
    top = sink.post("a", nonce="n")
    sink.update(top.ts, "b")
    assert sink.find("n", 0) == top.ts
    sink.close()
    ops = [json.loads(x)["op"] for x in path.read_text().splitlines()]
    assert ops == ["post", "update"]
    buf = io.StringIO()
    SinkSlack(buf).post("c")
    assert json.loads(buf.getvalue())["text"] == "c"


def test_lost_answer_to_a_post_in_another_channel_is_found_there_not_posted_twice(slack):
    slack.channels.add("C0OTHER")
    c, _ = client(slack)
    slack.fail("chat.postMessage", 500, after=True)  # posted in C0OTHER, but the answer is lost
    posted = c.post("the answer", nonce="n-other", channel="C0OTHER")
    assert posted.channel == "C0OTHER"
    assert [m["ts"] for m in slack.posts() if m["channel"] == "C0OTHER"] == [posted.ts]
    assert slack.count("chat.postMessage") == 0  # the recheck found it: no second post
