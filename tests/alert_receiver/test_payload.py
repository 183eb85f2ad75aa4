"""The webhook parser: v4 payloads accepted, everything else refused with the field named."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alert_receiver.payload import PayloadError, parse_webhook
from tests.alert_receiver.payloads import alert, resolved, webhook


def test_parses_alertmanager_payload_with_nanoseconds_and_zero_ends_at():
    n = parse_webhook(json.dumps(webhook(alert(namespace="shop", pod="api-1"))))
    a = n.alerts[0]
    assert a.firing
    assert a.ends_at is None
    assert a.starts_at.tzinfo is not None
    assert a.labels["pod"] == "api-1"
    assert n.group_id
    assert len(n.group_id) == 16


def test_event_key_is_the_same_for_two_spellings_of_one_instant():
    a = alert(pod="p")
    b = dict(a, startsAt=a["startsAt"].replace("123Z", "Z"))  # 6 vs 9 fractional digits
    ka = parse_webhook(json.dumps(webhook(a))).alerts[0].event_key()
    kb = parse_webhook(json.dumps(webhook(b))).alerts[0].event_key()
    assert ka == kb
    assert ka != parse_webhook(json.dumps(webhook(resolved(a)))).alerts[0].event_key()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.update(version="3"), 'version: expected "4"'),
        (lambda p: p.pop("groupKey"), "groupKey: missing"),
        (lambda p: p.update(alerts=[]), "alerts: the list is empty"),
        (lambda p: p.update(alerts={}), "alerts: expected a list, got an object"),
        (lambda p: p["alerts"][0]["labels"].update(severity=5), "alerts[0].labels.severity"),
        (lambda p: p["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt: not an RFC"),
        (lambda p: p["alerts"][0].update(endsAt="2" * 5000), "alerts[0].endsAt: not an RFC"),
        (lambda p: p["alerts"][0].update(startsAt="2026-11-26T09:00:00"), "time without a zone"),
        (lambda p: p["alerts"][0].update(status="burning"), "alerts[0].status"),
        (lambda p: p.update(truncatedAlerts=-1), "truncatedAlerts"),
        (lambda p: p["alerts"].append("x"), "alerts[1]: expected an object"),
    ],
)
def test_bad_payload_names_the_field(mutate, message):
    p = webhook(alert(pod="p"))
    mutate(p)
    with pytest.raises(PayloadError, match=r".*") as err:
        parse_webhook(json.dumps(p))
    assert message in str(err.value)


def test_not_json_and_not_an_object():
    with pytest.raises(PayloadError, match="not JSON"):
        parse_webhook(b"{nope")
    with pytest.raises(PayloadError, match="expected a webhook object, got a list"):
        parse_webhook(b"[]")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_fuzz_arbitrary_bodies_only_raise_payload_error(body):
    with contextlib.suppress(PayloadError):
        parse_webhook(body)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["status", "labels", "annotations", "startsAt", "endsAt", "fingerprint"]),
        json_values,
    )
)
def test_fuzz_mangled_alerts_only_raise_payload_error(fields):
    p = webhook(alert(pod="p"))
    p["alerts"][0].update(fields)
    try:
        n = parse_webhook(json.dumps(p))
    except PayloadError:
        return
    assert n.alerts[0].status in ("firing", "resolved")
