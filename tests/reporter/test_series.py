"""How a report chooses between recorded and raw series (reporter/series.py), and how it names
nodes (reporter/node_names.py): pure functions over what Prometheus answered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.prometheus import Sample
from reporter.node_names import namer
from reporter.period import period_for
from reporter.series import (
    MIXED,
    NODE_CPU,
    NODE_DISK,
    RAW,
    RECORDED,
    SERVICE_5XX,
    SERVICE_REQUESTS,
    SeriesReader,
    modes,
    section_sources,
)
from rules import packaged_config
from tests.reporter.conftest import END, SEOUL

DAY = period_for("daily", END, SEOUL)  # 24 hourly coverage steps
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _counts(**steps: float) -> list[Sample]:
    names = {"cpu": NODE_CPU, "disk": NODE_DISK, "req": SERVICE_REQUESTS, "err": SERVICE_5XX}
    out = []
    for key, value in steps.items():
        raw = key.startswith("raw_")
        name = names[key.removeprefix("raw_")]
        out.append(Sample({"series": f"raw:{name}" if raw else name}, value, NOW))
    return out


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"cpu": 24, "raw_cpu": 24}, RECORDED),  # covered
        ({"cpu": 0, "raw_cpu": 24}, RAW),  # the rules never ran
        ({"cpu": 12, "raw_cpu": 24}, MIXED),  # installed at noon
        ({"cpu": 0, "raw_cpu": 0}, RECORDED),  # minutes old: range selectors see the last ones
        ({"cpu": 2, "raw_cpu": 2}, RECORDED),  # both young: nothing older to compute
        ({"cpu": 24, "raw_cpu": 3}, RECORDED),  # raw kept for less time than recorded
    ],
)
def test_modes(counts, expected):
    assert modes(_counts(**counts), DAY, packaged_config())[NODE_CPU] == expected


def test_a_rule_group_counts_as_one():
    """No 5xx series at all, yet the rules ran: the requests series shows they did."""
    got = modes(_counts(req=24, raw_req=24, err=0, raw_err=10), DAY, packaged_config())
    assert got[SERVICE_5XX] == RECORDED
    assert section_sources(got) == {}
    got = modes(_counts(req=0, raw_req=24, err=0, raw_err=10), DAY, packaged_config())
    assert (got[SERVICE_REQUESTS], got[SERVICE_5XX]) == (RAW, RAW)
    assert "traffic" in section_sources(got)


def test_reading_raw_and_both():
    raw = SeriesReader(extra='cluster="prod"', modes={NODE_CPU: RAW}, step="1h")
    window = raw.window(NODE_CPU, "[1d]")
    assert window.endswith("[1d:1h]")
    assert "rate(node_cpu_seconds_total{" in window
    assert "[1h])" in window  # rate windows as long as the step: every sample read once
    assert 'cluster="prod"' in window
    both = SeriesReader(modes={NODE_CPU: MIXED})
    assert both.series(NODE_CPU).startswith("(instance:node_cpu_utilisation:rate5m * 1 or (")
    recorded = SeriesReader()
    assert recorded.window(NODE_CPU, "[1d]") == "instance:node_cpu_utilisation:rate5m[1d]"
    assert recorded.resolution == "5m"
    assert raw.resolution == "1h"


def test_alert_expressions_are_read_the_same_way():
    reader = SeriesReader(modes={NODE_CPU: RAW})
    expr = reader.expand('instance:node_cpu_utilisation:rate5m{job="node-exporter"} * 100 > 85')
    assert "instance:node_cpu_utilisation" not in expr
    assert expr.endswith("* 100 > 85")


@pytest.mark.parametrize(
    ("instance", "name"),
    [
        ("10.0.0.11:9100", "node-1"),  # kube_node_info's internal_ip
        ("10.0.0.99:9100", "host-99"),  # node_uname_info's nodename
        ("node-7:9100", "node-7"),  # already a name (kube-prometheus relabels it so)
        ("node-7", "node-7"),
        ("[fd00::1]:9100", "node-6"),
        ("10.0.0.50:9100", ""),  # nothing knows it
    ],
)
def test_node_names(instance, name):
    samples = [
        Sample({"node": "node-1", "internal_ip": "10.0.0.11"}, 1, NOW),
        Sample({"node": "node-6", "internal_ip": "fd00::1"}, 1, NOW),
        Sample({"instance": "10.0.0.99:9100", "nodename": "host-99"}, 1, NOW),
        Sample({"instance": "10.0.0.11:9100", "nodename": "ip-10-0-0-11"}, 1, NOW),
    ]
    assert namer(samples)(instance) == name
