"""Which Loki streams an alert's log context comes from."""

from __future__ import annotations

from datetime import UTC, datetime

from alert_receiver.logs import stream_matchers
from alert_receiver.payload import Alert


def _alert(**labels: str) -> Alert:
    return Alert("firing", labels, {}, datetime(2026, 1, 1, tzinfo=UTC), None, "", "f")


def test_workload_labels_pick_the_streams():
    alert = _alert(alertname="ContainerMemoryNearLimit", namespace="ns", pod="p-1", container="c")
    assert stream_matchers(alert, "app") == {"namespace": "ns", "pod": "p-1", "container": "c"}


def test_service_labels_pick_the_app_stream():
    alert = _alert(alertname="ServiceErrorRateHigh", destination_service_name="orders")
    assert stream_matchers(alert, "app") == {"app": "orders"}


def test_a_probe_alert_is_looked_up_by_its_target():
    alert = _alert(alertname="HealthcheckProbeFailed", kind="tcp", target="payments-db")
    assert stream_matchers(alert, "app") == {"app": "payments-db"}


def test_a_namespace_alone_is_no_stream():
    assert stream_matchers(_alert(alertname="X", namespace="ns"), "app") == {}
