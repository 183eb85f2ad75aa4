"""Read dashboards the way Grafana does: their queries, and template variables resolved.

`queries(data)` lists every query a dashboard runs (panel targets, annotations, variable
queries) with the datasource type it goes to. `Resolver` resolves the template variables
against a real Prometheus, in dashboard order, as Grafana does when the dashboard opens: a
`label_values(series, label)` variable asks `/api/v1/label/<label>/values` with `match[]`, and
later variables see the earlier ones' values. `substitute` then fills an expression with a
selection, plus stand-ins for Grafana's own `$__rate_interval`, `$__range`, ... variables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

LABEL_VALUES = re.compile(r"^label_values\((?P<series>.*),\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\)$")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
REGEX_SPECIAL = re.compile(r"[\\^$.|?*+()\[\]{}]")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Query:
    where: str  # "panel <title>", "annotation <name>", "variable <name>"
    datasource: str  # "prometheus" or "loki"
    expr: str
    range_query: bool  # annotations run over a time range; panels are checked at one instant


def panels(data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in data.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # a collapsed row's panels


def queries(data: Mapping[str, Any]) -> list[Query]:
    out = []
    for panel in panels(data):
        for target in panel.get("targets", []):
            ds = (target.get("datasource") or panel.get("datasource") or {}).get("type", "")
            out.append(Query(f"panel {panel['title']!r}", ds, target["expr"], False))
    for ann in data["annotations"]["list"]:
        if ann.get("expr"):
            out.append(
                Query(f"annotation {ann['name']!r}", ann["datasource"]["type"], ann["expr"], True)
            )
    for var in data["templating"]["list"]:
        if var["type"] == "query":
            series, _ = label_values(var)
            out.append(Query(f"variable {var['name']!r}", var["datasource"]["type"], series, False))
    return out


def label_values(var: Mapping[str, Any]) -> tuple[str, str]:
    match = LABEL_VALUES.match(var["query"])
    assert match, f"variable {var['name']}: not label_values(series, label): {var['query']}"
    return match["series"], match["label"]


def duration_seconds(text: str) -> int:
    return int(text[:-1]) * UNITS[text[-1]]


def grafana_builtins(data: Mapping[str, Any]) -> dict[str, str]:
    """Stand-ins for Grafana's own variables: the dashboard's default range, 5m windows."""
    start = data["time"]["from"]
    assert start.startswith("now-"), start
    span = start.removeprefix("now-")
    return {
        "__rate_interval": "5m",
        "__interval": "5m",
        "__auto": "5m",
        "__range": span,
        "__range_s": str(duration_seconds(span)),
        "datasource": "prometheus",
        "loki": "loki",
    }


def regex_values(values: list[str]) -> str:
    """Several values as Grafana writes them into a Prometheus regex: escaped, in a group."""
    escaped = [REGEX_SPECIAL.sub(lambda m: "\\\\" + m.group(0), v) for v in values]
    return "(" + "|".join(escaped) + ")" if len(escaped) > 1 else (escaped[0] if escaped else "")


def substitute(expr: str, values: Mapping[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        assert name in values, f"unknown variable ${name} in {expr}"
        return values[name]

    return VARIABLE.sub(repl, expr)


PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan",
}  # fmt: skip
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)"""
    r"|(?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)"
    r"|(?P<number>[0-9][0-9A-Za-z.]*)|(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)"
    r"|(?P<brace>\{)|(?P<close>\})|(?P<bracket>\[[^\]]*\])|(?P<other>\S)"
)


def selectors(expr: str) -> list[str]:
    """The vector selectors of a PromQL expression: `metric{matchers}`, as written.

    A small tokenizer, enough for the dashboards' expressions: identifiers followed by `(` are
    functions or aggregations, identifiers inside by/on/... parentheses are labels, and what
    is left is a metric name, with the `{...}` after it. An identifier followed by by/without is
    an aggregation (`max by (node) (...)`).
    """
    out: list[str] = []
    tokens = [(m.lastgroup, m.group(), m.end()) for m in TOKEN.finditer(expr)]
    i, in_labels = 0, False
    while i < len(tokens):
        kind, text, end = tokens[i]
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if kind == "ident" and text in GROUPING:
            in_labels = nxt == "("
        elif in_labels and text == ")":
            in_labels = False
        elif (
            kind == "ident"
            and not in_labels
            and text not in PROMQL_KEYWORDS
            and nxt != "("
            and nxt not in GROUPING
        ):
            selector = text
            if nxt == "{":
                j = i + 1
                while tokens[j][0] != "close":
                    j += 1
                selector += expr[tokens[i + 1][2] - 1 : tokens[j][2]]
                i = j
            out.append(selector)
        elif kind == "brace":  # a selector without a metric name
            j = i
            while tokens[j][0] != "close":
                j += 1
            out.append(expr[end - 1 : tokens[j][2]])
            i = j
        i += 1
    return out


@dataclass(frozen=True)
class Selection:
    values: dict[str, str]  # variable name -> what Grafana substitutes, builtins included
    options: dict[str, list[str]]  # query variable name -> the values it lists


class Resolver:
    """Resolves a dashboard's variables against Prometheus at `time`, over `lookback` seconds."""

    def __init__(self, prom: Any, time: float, lookback: int) -> None:
        self.prom, self.time, self.lookback = prom, time, lookback

    def values(self, series: str, label: str) -> list[str]:
        params = {"match[]": series, "start": self.time - self.lookback, "end": self.time}
        return sorted(self.prom.api(f"label/{label}/values", **params))

    def resolve(self, data: Mapping[str, Any], explicit_all: bool) -> Selection:
        """The variables as Grafana fills them in when the dashboard opens.

        Single-value variables take their first value, as Grafana does without a saved one.
        Multi-value ones are at their default, All: the variable's allValue, or every value
        (`explicit_all`, as if the user ticked each one), which checks that the label the
        variable lists is the label the panels filter on.
        """
        values = grafana_builtins(data)
        options: dict[str, list[str]] = {}
        for var in data["templating"]["list"]:
            if var["type"] != "query":
                continue
            series, label = label_values(var)
            found = options[var["name"]] = self.values(substitute(series, values), label)
            if not var.get("multi"):
                values[var["name"]] = found[0] if found else ""
            elif var.get("allValue") and not explicit_all:
                values[var["name"]] = var["allValue"]
            else:
                values[var["name"]] = regex_values(found)
        return Selection(values, options)
