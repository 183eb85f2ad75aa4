"""The analysis helpers: the rule expression's threshold, the bounded and redacted prompt."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from alert_receiver.analysis import (
    RelatedMetrics,
    build_prompt,
    expr_from_generator_url,
    rule_based,
    split_comparison,
)
from alert_receiver.enrichment import LogContext, LogLine
from alert_receiver.payload import parse_webhook
from runtime.redact import Redactor
from tests.alert_receiver.payloads import alert, webhook


@pytest.mark.parametrize(
    ("expr", "parts"),
    [
        (
            "instance:node_cpu_utilisation:rate5m * 100 > 85",
            ("instance:node_cpu_utilisation:rate5m * 100", ">", "85"),
        ),
        ('up{job=~"a|b", x!="y"} == 0', ('up{job=~"a|b", x!="y"}', "==", "0")),
        ("(a > 1) and b <= bool 2", ("(a > 1) and b", "<=", "2")),
        ('sum(rate(x{le=">"}[5m])) >= 0.5', ('sum(rate(x{le=">"}[5m]))', ">=", "0.5")),
        ("absent(up)", None),
    ],
)
def test_split_comparison(expr, parts):
    assert split_comparison(expr) == parts


def test_expression_from_generator_url():
    url = "http://prom:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1"
    assert expr_from_generator_url(url) == "up == 0"
    assert expr_from_generator_url("") is None


def alerts_of(*raw):
    return list(parse_webhook(json.dumps(webhook(*raw))).alerts)


def test_prompt_is_bounded_and_redacted():
    many = alerts_of(
        *[
            alert(
                f"A{i}",
                pod=f"p{i}",
                annotations={"description": "dsn postgres://u:pw123@db/x " + "d" * 900},
            )
            for i in range(40)
        ]
    )
    line = LogLine(datetime.now(UTC), "s", "Bearer abcdefghijklmnop " + "z" * 280, True)
    logs = LogContext("ok", lines=(line,) * 100)
    prompt = build_prompt(many, logs, [], Redactor(), 4000)
    assert len(prompt) <= 4000
    assert "pw123" not in prompt
    assert "abcdefghijklmnop" not in prompt
    assert "## Alerts (15 of 40 shown)" in prompt
    assert "[... cut to fit]" in prompt


def test_rule_based_summary_without_prometheus_names_the_threshold():
    alerts = alerts_of(alert(pod="p", expr="container_memory_working_set_bytes / limit * 100 > 90"))
    metrics = RelatedMetrics(None).for_alerts(alerts)
    logs = LogContext("ok", lines=(LogLine(datetime.now(UTC), "s", "OOM killed 12", True),) * 3)
    text = rule_based(alerts, logs, metrics, "why")
    assert text.startswith("Rule-based summary, not an AI analysis (why).")
    assert "container_memory_working_set_bytes / limit * 100 > 90" in text
    assert "3x OOM killed <n>" in text
