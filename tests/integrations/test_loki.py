"""integrations.loki against FakeLoki, which parses the LogQL it is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import Timeout, Unavailable
from integrations.loki import LokiClient, line_filter, selector
from tests.fakes import FakeLoki
from tests.helpers import blackhole, refused_port


@pytest.mark.parametrize(
    "value",
    ['a"}', 'x", pod=~".*', "back\\slash", "new\nline", "유니코드", '"} |= "', "{{}}"],
)
def test_label_values_cannot_break_out_of_the_selector(value):
    now = datetime.now(UTC)
    with FakeLoki() as loki:
        loki.add({"namespace": "shop", "pod": value}, now, "mine")
        loki.add({"namespace": "shop", "pod": "other"}, now, "not mine")
        client = LokiClient(loki.url)
        result = client.query_range(
            selector({"namespace": "shop", "pod": value}),
            now - timedelta(minutes=1),
            now + timedelta(seconds=1),
        )
        client.close()
    assert [e.line for e in result.entries] == ["mine"]


def test_query_range_with_a_line_filter_newest_first():
    now = datetime.now(UTC)
    with FakeLoki() as loki:
        for i, line in enumerate(["ok", "ERROR one", "fine", "Exception two"]):
            loki.add({"app": "api"}, now - timedelta(seconds=10 - i), line)
        client = LokiClient(loki.url, tenant="team-a")
        q = f"{selector({'app': 'api'})} {line_filter('(?i)(error|exception)')}"
        result = client.query_range(q, now - timedelta(minutes=1), now, limit=10)
        client.close()
    assert [e.line for e in result.entries] == ["Exception two", "ERROR one"]
    assert result.entries[0].labels == {"app": "api"}


def test_down_and_slow_loki():
    client = LokiClient(f"http://127.0.0.1:{refused_port()}")
    with pytest.raises(Unavailable, match="cannot reach"):
        client.query_range('{a="b"}', datetime.now(UTC), datetime.now(UTC))
    client.close()
    with blackhole() as address:
        client = LokiClient(f"http://{address}", timeout=0.3)
        with pytest.raises(Timeout):
            client.query_range('{a="b"}', datetime.now(UTC), datetime.now(UTC))
        client.close()


def test_selector_rejects_bad_label_names():
    with pytest.raises(ValueError, match="label name"):
        selector({"bad-name": "x"})
    with pytest.raises(ValueError, match="at least one"):
        selector({})
