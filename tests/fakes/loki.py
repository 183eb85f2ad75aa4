"""FakeLoki: `/loki/api/v1/query_range` and `/query` over log lines the test adds.

It parses the LogQL the receiver sends as Loki does, far enough to matter: a stream selector
(`=`, `!=`, `=~`, `!~`, values as Go string literals) and line filters (`|=`, `!=`, `|~`, `!~`);
anything else is a 400 "parse error", so a badly escaped label value fails the test instead of
passing by luck. `delay` makes every answer slow; `fail_status` makes them fail.

    loki = FakeLoki()
    loki.add({"namespace": "shop", "pod": "api-1"}, datetime.now(UTC), "ERROR db down")
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, json_reply

_NAME = re.compile(r"\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*")
_FILTER = re.compile(r"\s*(\|=|\|~|!=|!~)\s*")
_DECODER = json.JSONDecoder()


class LogQLError(ValueError):
    pass


def _string(text: str, i: int) -> tuple[str, int]:
    if text[i : i + 1] != '"':
        raise LogQLError(f"expected a string at {i}")
    value, end = _DECODER.raw_decode(text, i)
    if not isinstance(value, str):
        raise LogQLError(f"expected a string at {i}")
    return value, end


def parse(query: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]], int]:
    """(matchers, line filters, end offset) of `{...} |~ "..."` starting at the first `{`."""
    i = query.index("{") + 1
    matchers = []
    while True:
        m = _NAME.match(query, i)
        if not m:
            raise LogQLError(f"parse error at {i}: expected a label matcher")
        value, i = _string(query, m.end())
        matchers.append((m.group(1), m.group(2), value))
        rest = query[i:].lstrip()
        i = len(query) - len(rest)
        if rest.startswith(","):
            i += 1
            continue
        if rest.startswith("}"):
            i += 1
            break
        raise LogQLError(f"parse error at {i}: expected , or }}")
    filters = []
    while True:
        m = _FILTER.match(query, i)
        if not m:
            break
        value, i = _string(query, m.end())
        filters.append((m.group(1), value))
    return matchers, filters, i


def _go_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _line_ok(line: str, filters: list[tuple[str, str]]) -> bool:
    for op, value in filters:
        if op == "|=" and value not in line:
            return False
        if op == "!=" and value in line:
            return False
        if op == "|~" and not _go_regex(value).search(line):
            return False
        if op == "!~" and _go_regex(value).search(line):
            return False
    return True


def _stream_ok(labels: dict[str, str], matchers: list[tuple[str, str, str]]) -> bool:
    for name, op, value in matchers:
        have = labels.get(name, "")
        if op == "=" and have != value:
            return False
        if op == "!=" and have == value:
            return False
        if op == "=~" and not re.fullmatch(value, have):
            return False
        if op == "!~" and re.fullmatch(value, have):
            return False
    return True


class FakeLoki(FakeServer):
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.fail_status: int | None = None
        self.streams: list[tuple[dict[str, str], list[tuple[int, str]]]] = []
        self.queries: list[dict[str, str]] = []
        super().__init__()

    def add(self, labels: dict[str, str], at: datetime, line: str) -> None:
        ns = int(at.timestamp() * 1_000_000_000)
        with self.lock:
            for stream_labels, entries in self.streams:
                if stream_labels == labels:
                    entries.append((ns, line))
                    return
            self.streams.append((dict(labels), [(ns, line)]))

    def handle(self, req: Request) -> Reply:
        if req.path == "/ready":
            return 200, {"Content-Type": "text/plain"}, b"ready\n"
        with self.lock:
            self.queries.append(dict(req.query, path=req.path))
        if self.delay:
            time.sleep(self.delay)
        if self.fail_status:
            return self.fail_status, {"Content-Type": "text/plain"}, b"fake failure\n"
        try:
            if req.path == "/loki/api/v1/query_range":
                return json_reply(200, self._range(req.query))
            if req.path == "/loki/api/v1/query":
                return json_reply(200, self._instant(req.query))
        except (LogQLError, ValueError, KeyError) as e:
            return 400, {"Content-Type": "text/plain"}, f"parse error: {e}".encode()
        return 404, {"Content-Type": "text/plain"}, b"404 page not found\n"

    def _matching(self, query: str, start: int, end: int):
        matchers, filters, _ = parse(query)
        with self.lock:
            streams = [(dict(s), list(e)) for s, e in self.streams]
        for labels, entries in streams:
            if not _stream_ok(labels, matchers):
                continue
            hits = [
                (t, line) for t, line in entries if start <= t <= end and _line_ok(line, filters)
            ]
            if hits:
                yield labels, hits

    def _range(self, q: dict[str, str]) -> dict[str, Any]:
        start, end, limit = int(q["start"]), int(q["end"]), int(q.get("limit", 100))
        backward = q.get("direction", "backward") == "backward"
        result, total = [], []
        for labels, hits in self._matching(q["query"], start, end):
            total += [(t, line, labels) for t, line in hits]
        total.sort(key=lambda x: x[0], reverse=backward)
        by_stream: dict[str, dict[str, Any]] = {}
        for t, line, labels in total[:limit]:
            key = json.dumps(labels, sort_keys=True)
            by_stream.setdefault(key, {"stream": labels, "values": []})["values"].append(
                [str(t), line]
            )
        result = list(by_stream.values())
        return {"status": "success", "data": {"resultType": "streams", "result": result}}

    def _instant(self, q: dict[str, str]) -> dict[str, Any]:
        """`topk(N, sum by (a, b) (count_over_time({...} |~ "..." [15m])))`, counted."""
        query = q["query"]
        now = int(float(q["time"])) if "time" in q else time.time_ns()
        window = re.search(r"\[(\d+)m\]", query)
        start = now - int(window.group(1)) * 60 * 1_000_000_000 if window else 0
        group = re.search(r"by \(([^)]*)\)", query)
        keys = [k.strip() for k in group.group(1).split(",")] if group else []
        counts: dict[tuple, int] = {}
        for labels, hits in self._matching(query, start, now):
            k = tuple(labels.get(x, "") for x in keys)
            counts[k] = counts.get(k, 0) + len(hits)
        result = [
            {"metric": dict(zip(keys, k, strict=True)), "value": [now / 1e9, str(n)]}
            for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
        ]
        return {"status": "success", "data": {"resultType": "vector", "result": result}}
