"""The delivery record: a report goes out once per channel, across retries and racing runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import Unavailable
from integrations.kubernetes import KubernetesClient
from reporter.dispatch import ConfigMapRecord, Dispatcher, FileRecord, UnavailableRecord
from tests.fakes.kubernetes import FakeKubernetesAPI

T0 = datetime(2025, 11, 1, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Channel:
    """Counts sends; fails while `failures` > 0."""

    def __init__(self, failures: int = 0) -> None:
        self.sent = 0
        self.failures = failures

    def __call__(self) -> str:
        if self.failures:
            self.failures -= 1
            raise Unavailable("slack", "HTTP 503")
        self.sent += 1
        return f"F{self.sent}"


@pytest.fixture(params=["file", "configmap"])
def store(request, tmp_path):
    if request.param == "file":
        yield FileRecord(tmp_path / "record.json")
        return
    with FakeKubernetesAPI() as api:
        kube = KubernetesClient.from_config(kubeconfig=str(api.kubeconfig(tmp_path)), environ={})
        try:
            yield ConfigMapRecord(kube, "monitoring", "reporter-delivery-record")
        finally:
            kube.close()


def test_second_run_does_not_send_again(store):
    slack, email = Channel(), Channel()
    first = Dispatcher(store, "run-1").send("monthly.2025-10", {"slack": slack, "email": email})
    assert [(o.channel, o.status) for o in first] == [("slack", "sent"), ("email", "sent")]
    second = Dispatcher(store, "run-2").send("monthly.2025-10", {"slack": slack, "email": email})
    assert [o.status for o in second] == ["already_sent", "already_sent"]
    assert all(o.ok for o in second)
    assert (slack.sent, email.sent) == (1, 1)
    # another period is another report
    Dispatcher(store, "run-3").send("monthly.2025-11", {"slack": slack})
    assert slack.sent == 2


def test_a_failed_channel_is_retried_by_the_next_run_alone(store):
    slack, email = Channel(failures=1), Channel()
    first = Dispatcher(store, "run-1").send("weekly.2025-W44", {"slack": slack, "email": email})
    assert [o.status for o in first] == ["failed", "sent"]
    assert "503" in first[0].detail
    second = Dispatcher(store, "run-2").send("weekly.2025-W44", {"slack": slack, "email": email})
    assert [o.status for o in second] == ["sent", "already_sent"]
    assert (slack.sent, email.sent) == (1, 1)


def test_a_live_claim_is_respected_and_a_stale_one_taken_over(store):
    clock = Clock()
    entries, version = store.load()
    claim = {"slack": {"state": "sending", "run": "run-dead", "at": T0.isoformat()}}
    store.save({**entries, "daily.2025-10-31": claim}, version)
    slack = Channel()
    clock.now = T0 + timedelta(minutes=5)
    [o] = Dispatcher(store, "run-2", clock).send("daily.2025-10-31", {"slack": slack})
    assert (o.status, slack.sent) == ("in_progress", 0)
    clock.now = T0 + timedelta(hours=1)
    [o] = Dispatcher(store, "run-3", clock).send("daily.2025-10-31", {"slack": slack})
    assert (o.status, slack.sent) == ("sent", 1)


def test_racing_runs_send_once(store):
    slack = Channel()
    barrier = threading.Barrier(4)
    outcomes = []

    def run(i: int) -> None:
        barrier.wait()
        outcomes.extend(Dispatcher(store, f"run-{i}").send("monthly.2025-10", {"slack": slack}))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert slack.sent == 1
    assert sorted(o.status for o in outcomes).count("sent") == 1


def test_no_record_no_sending():
    slack = Channel()
    [o] = Dispatcher(UnavailableRecord("configmap:x/y", "API down"), "run-1").send(
        "monthly.2025-10", {"slack": slack}
    )
    assert (o.status, slack.sent) == ("failed", 0)
    assert "API down" in o.detail


def test_where_the_record_lives(tmp_path):
    from reporter.dispatch import record_store

    default = record_store("", None, "", tmp_path)
    assert default.description == f"file:{tmp_path}/delivery-record.json"
    chosen = record_store(f"file:{tmp_path}/r.json", None, "", tmp_path)
    assert chosen.description == f"file:{tmp_path}/r.json"
    unreachable = record_store("configmap:monitoring/record", None, "", tmp_path)
    assert isinstance(unreachable, UnavailableRecord)
