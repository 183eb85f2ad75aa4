"""FakeLokiMetrics: FakeLoki plus the range metric query the reporter sends.

    sum by (app) (count_over_time({namespace=~".+"} |~ "(?i)error" [7200s]))   (query_range, step)

answered as Loki does, a `matrix` with one point per step, the point at t counting the lines in
(t - window, t]. Everything else is FakeLoki's (log queries, parse errors, `fail_status`).
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.http import Reply, Request, json_reply
from tests.fakes.loki import FakeLoki, LogQLError

_METRIC = re.compile(
    r"^sum by \(([^)]*)\) \(count_over_time\((?P<inner>.*) \[(?P<window>\d+)s\]\)\)$", re.S
)
NS = 1_000_000_000


def _seconds(text: str) -> float:
    text = text.strip()
    if text.endswith("s"):
        text = text[:-1]
    return float(text)


class FakeLokiMetrics(FakeLoki):
    def handle(self, req: Request) -> Reply:
        m = _METRIC.match(req.query.get("query", ""))
        if req.path != "/loki/api/v1/query_range" or not m:
            return super().handle(req)
        with self.lock:
            self.queries.append(dict(req.query, path=req.path))
        if self.fail_status:
            return self.fail_status, {"Content-Type": "text/plain"}, b"fake failure\n"
        try:
            return json_reply(200, self._matrix(req.query, m))
        except (LogQLError, ValueError, KeyError) as e:
            return 400, {"Content-Type": "text/plain"}, f"parse error: {e}".encode()

    def _matrix(self, q: dict[str, str], m: re.Match[str]) -> dict[str, Any]:
        keys = [k.strip() for k in m.group(1).split(",") if k.strip()]
        window = int(m.group("window")) * NS
        start, end = int(q["start"]), int(q["end"])
        step = int(_seconds(q.get("step", "60")) * NS)
        hits = [
            (t, tuple(labels.get(k, "") for k in keys))
            for labels, entries in self._matching(m.group("inner"), start - window, end)
            for t, _line in entries
        ]
        series: dict[tuple[str, ...], list[list[Any]]] = {}
        t = start
        while t <= end:
            counts: dict[tuple[str, ...], int] = {}
            for ts, key in hits:
                if t - window < ts <= t:
                    counts[key] = counts.get(key, 0) + 1
            for key, n in counts.items():
                series.setdefault(key, []).append([t / NS, str(n)])
            t += step
        result = [
            {"metric": dict(zip(keys, key, strict=True)), "values": values}
            for key, values in series.items()
        ]
        return {"status": "success", "data": {"resultType": "matrix", "result": result}}
