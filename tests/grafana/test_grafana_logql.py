"""Every LogQL expression of every dashboard parses with Grafana's own LogQL grammar.

There is no Loki here. grafana/logql-check/check.mjs parses with @grafana/lezer-logql, the
grammar Grafana's Loki query editor uses (the version Grafana 12 ships, pinned in its
package-lock.json), after the template variables are filled in as Grafana would. Beyond syntax,
two rules Loki itself enforces at query time: a stream selector needs a matcher that cannot
match the empty string, and a logs panel needs a log query (a metric query draws nothing there).
Installed by `npm ci --prefix grafana/logql-check` (scripts/install.sh); without it the tests
skip on a laptop and fail in CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.grafana.testkit import grafana_builtins, panels, substitute

CHECKER = Path(__file__).resolve().parents[2] / "grafana" / "logql-check"


@pytest.fixture(scope="module")
def parse() -> Any:
    node = shutil.which("node")
    installed = (CHECKER / "node_modules" / "@grafana" / "lezer-logql").is_dir()
    if node is None or not installed:
        reason = f"node or {CHECKER}/node_modules missing: npm ci --prefix {CHECKER}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)

    def run(exprs: list[str]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [node, str(CHECKER / "check.mjs")],
            input=json.dumps(exprs),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        results: list[dict[str, Any]] = json.loads(done.stdout)
        return results

    return run


def loki_queries(dashboards: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(where, panel type, expression with variables filled in) of every Loki query."""
    out = []
    for key, data in dashboards.items():
        values = grafana_builtins(data)
        for var in data["templating"]["list"]:
            if var["type"] == "query":
                values[var["name"]] = var.get("allValue") or "value"
        for panel in panels(data):
            for target in panel.get("targets", []):
                if (target.get("datasource") or panel["datasource"])["type"] == "loki":
                    where = f"{key}: panel {panel['title']!r}"
                    out.append((where, panel["type"], substitute(target["expr"], values)))
    return out


def matches_empty(op: str, quoted: str) -> bool:
    value = quoted[1:-1] if quoted.startswith("`") else json.loads(quoted)
    if op == "=":
        return value == ""
    if op == "=~":
        return re.fullmatch(value, "") is not None
    return True  # != and !~ always match some empty-valued stream


def test_the_dashboards_have_logql(dashboards: dict[str, dict[str, Any]]) -> None:
    where = {w.split(":")[0] for w, _, _ in loki_queries(dashboards)}
    assert where == {"services", "errors-by-stage"}


def test_every_logql_expression_parses(parse: Any, dashboards: dict[str, dict[str, Any]]) -> None:
    found = loki_queries(dashboards)
    results = parse([expr for _, _, expr in found])
    for (where, panel_type, expr), result in zip(found, results, strict=True):
        errors = [f"{expr[:at]}<<HERE>>{expr[at:]}" for at in result["errors"]]
        assert not errors, f"{where}: LogQL syntax error:\n" + "\n".join(errors)
        assert result["kind"] == ("LogExpr" if panel_type == "logs" else "MetricExpr"), where
        assert result["selectors"], f"{where}: no stream selector in {expr}"
        for matchers in result["selectors"]:
            assert any(not matches_empty(op, value) for _, op, value in matchers), (
                f"{where}: Loki refuses a selector whose matchers all match the empty string: "
                f"{matchers}"
            )


def test_the_checker_finds_errors(parse: Any) -> None:
    broken, empty, fine = parse(
        [
            'sum(count_over_time({namespace="a"} |= "x" [5m])',
            '{namespace=~".*"}',
            '{namespace="a"} | pattern `<_> <status>` | status >= 500',
        ]
    )
    assert broken["errors"]
    assert matches_empty(*empty["selectors"][0][0][1:])
    assert not fine["errors"]
    assert fine["kind"] == "LogExpr"
