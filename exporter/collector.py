"""The collector: runs every configured probe when Prometheus scrapes, concurrently, each bounded
by min(its own timeout, the scrape timeout Prometheus announced minus an offset).

A fresh collector is made for each scrape (it carries that scrape's deadline), and it builds new
metric families on every `collect()`: nothing is kept between scrapes, so a target removed from
the config disappears from the output at once. Sample output:

    healthcheck_probe_success{kind="tcp",target="redis"} 1.0
    healthcheck_probe_duration_seconds{kind="tcp",target="redis"} 0.000412
    healthcheck_disk_used_ratio{mountpoint="/",target="root"} 0.4123
    healthcheck_scrape_duration_seconds 0.0153
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporter.config import ExporterConfig, Target
from exporter.probe_loop import ProbeLoop
from exporter.probers import EXTRA_METRICS, PROBERS, MetricSpec, ProbeLog, Prober, ProbeResult

log = logging.getLogger(__name__)

MIN_DEADLINE = 0.05  # seconds: below this a probe cannot even connect on loopback


@dataclass(slots=True)
class Outcome:
    target: Target
    result: ProbeResult
    duration: float
    log: ProbeLog


def probe_deadline(own_timeout: float, scrape_timeout: float | None, offset: float) -> float:
    """The time a probe may take: blackbox_exporter's rule, capped by the scrape's own timeout."""
    if scrape_timeout is None:
        return own_timeout
    budget = scrape_timeout - offset if scrape_timeout > offset else scrape_timeout
    return max(MIN_DEADLINE, min(own_timeout, budget))


class HealthcheckCollector:
    def __init__(
        self,
        cfg: ExporterConfig,
        loop: ProbeLoop,
        *,
        probers: Mapping[str, Prober] = PROBERS,
        extra_metrics: Mapping[str, MetricSpec] = EXTRA_METRICS,
        scrape_timeout: float | None = None,
        timeout_offset: float = 0.5,
    ) -> None:
        self._cfg = cfg
        self._loop = loop
        self._probers = probers
        self._extra_metrics = extra_metrics
        self._scrape_timeout = scrape_timeout
        self._offset = timeout_offset
        self.outcomes: list[Outcome] = []  # the last collect()'s, for the debug page

    def describe(self) -> list[Metric]:
        # Empty so registering does not run the probes (client_python calls collect() otherwise).
        return []

    async def _probe(self, target: Target, round_start: float) -> Outcome:
        plog = ProbeLog()
        deadline = probe_deadline(target.timeout, self._scrape_timeout, self._offset)
        start = time.perf_counter()
        try:
            # Counted from the round's start, not the task's: with thousands of targets the last
            # task starts a little late, and the scrape must still end on time.
            async with asyncio.timeout_at(round_start + deadline):
                result = await self._probers[target.kind](target, plog)
        except TimeoutError:
            plog(f"timed out after {deadline:.3g}s")
            result = ProbeResult(False)
        except Exception as e:  # a prober bug must cost one target, not the whole scrape
            log.exception("prober %s crashed on target %s", target.kind, target.name)
            plog(f"prober error: {e!r}")
            result = ProbeResult(False)
        duration = time.perf_counter() - start
        if not result.success:
            log.debug("probe failed kind=%s target=%s: %s", target.kind, target.name, plog.lines)
        return Outcome(target, result, duration, plog)

    async def _probe_all(self) -> list[Outcome]:
        round_start = asyncio.get_running_loop().time()
        return await asyncio.gather(*(self._probe(t, round_start) for t in self._cfg.targets()))

    def collect(self) -> Iterator[Metric]:
        start = time.perf_counter()
        longest = max(
            (
                probe_deadline(t.timeout, self._scrape_timeout, self._offset)
                for t in self._cfg.targets()
            ),
            default=0.0,
        )
        self.outcomes = self._loop.run(self._probe_all(), timeout=longest + 5.0)

        success = GaugeMetricFamily(
            "healthcheck_probe_success",
            "Whether the probe succeeded (1) or failed (0).",
            labels=("kind", "target"),
        )
        duration = GaugeMetricFamily(
            "healthcheck_probe_duration_seconds",
            "How long the probe took, failed or not.",
            labels=("kind", "target"),
        )
        extras: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        for o in self.outcomes:
            labels = (o.target.kind, o.target.name)
            success.add_metric(labels, 1.0 if o.result.success else 0.0)
            duration.add_metric(labels, o.duration)
            for sample in o.result.samples:
                family = extras.get(sample.name)
                if family is None:
                    family = extras[sample.name] = self._family(sample.name)
                family.add_metric(sample.labels, sample.value)
        yield success
        yield duration
        yield from extras.values()

        targets = GaugeMetricFamily(
            "healthcheck_targets", "Targets in the loaded config, by kind.", labels=("kind",)
        )
        counts = Counter(t.kind for t in self._cfg.targets())
        for kind in self._probers:
            targets.add_metric((kind,), counts.get(kind, 0))
        yield targets
        yield GaugeMetricFamily(
            "healthcheck_scrape_duration_seconds",
            "How long this scrape's probes took, all of them together.",
            value=time.perf_counter() - start,
        )

    def _family(self, name: str) -> GaugeMetricFamily | CounterMetricFamily:
        spec = self._extra_metrics[name]
        cls = CounterMetricFamily if spec.type == "counter" else GaugeMetricFamily
        return cls(name, spec.help, labels=spec.labels)
