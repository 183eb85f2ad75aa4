"""FakePrometheus: `/api/v1/query` and `/api/v1/query_range` answering series the test sets,
matched by the exact expression; an unknown expression answers an empty vector, as Prometheus
does for a series that does not exist."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.http import FakeServer, Reply, Request, json_reply


class FakePrometheus(FakeServer):
    def __init__(self) -> None:
        self.series: dict[str, list[tuple[dict[str, str], list[float]]]] = {}
        self.queries: list[dict[str, str]] = []
        self.fail_status: int | None = None
        super().__init__()

    def set(self, expr: str, *series: tuple[dict[str, str], list[float]]) -> None:
        self.series[expr] = list(series)

    def handle(self, req: Request) -> Reply:
        q = req.form()
        with self.lock:
            self.queries.append(dict(q, path=req.path))
        if self.fail_status:
            return json_reply(self.fail_status, {"status": "error", "error": "fake failure"})
        found = self.series.get(q.get("query", ""), [])
        now = time.time()
        if req.path == "/api/v1/query":
            result: list[Any] = [
                {"metric": labels, "value": [now, str(values[-1])]} for labels, values in found
            ]
            return json_reply(
                200, {"status": "success", "data": {"resultType": "vector", "result": result}}
            )
        if req.path == "/api/v1/query_range":
            start, step = float(q["start"]), float(q["step"])
            result = [
                {
                    "metric": labels,
                    "values": [[start + i * step, str(v)] for i, v in enumerate(values)],
                }
                for labels, values in found
            ]
            return json_reply(
                200, {"status": "success", "data": {"resultType": "matrix", "result": result}}
            )
        return json_reply(404, {"status": "error", "error": "not found"})
