"""What every prober returns, and how it describes the metrics it adds.

Probers return plain values, not metric families: the collector owns naming, HELP text and the
families, so no prober can register a duplicate or leak a series between scrapes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, NamedTuple


class MetricSpec(NamedTuple):
    type: Literal["gauge", "counter"]
    help: str
    labels: tuple[str, ...]


class Sample(NamedTuple):
    """One value of an extra metric; `labels` are in the order of its MetricSpec."""

    name: str
    labels: tuple[str, ...]
    value: float


@dataclass(slots=True)
class ProbeResult:
    success: bool
    samples: list[Sample] = field(default_factory=list)


class ProbeLog:
    """The story of one probe: shown by `/metrics?debug=true` and logged when the probe fails."""

    __slots__ = ("_start", "lines")

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self.lines: list[str] = []

    def __call__(self, msg: str) -> None:
        self.lines.append(f"{time.perf_counter() - self._start:8.4f}s {msg}")
