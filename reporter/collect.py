"""`collect(period, clients) -> ReportData`: every figure of a report, from every source at once.

Sources are queried concurrently (a few threads: Prometheus evaluates each query on its own
cores, so more threads only queue). A source that fails does not stop the report: its sections
are marked missing with the reason, `ReportData.sources` says which source failed, and the CLI
exits non-zero after delivering what it has. An empty answer is not a failure: a cluster without
Istio has no traffic table, and the report says "no data", not "missing".
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from integrations.errors import IntegrationError
from integrations.kubernetes import KubernetesClient
from integrations.loki import LokiClient
from integrations.prometheus import PrometheusClient
from reporter import prom
from reporter.logs import LogQuery, collect_logs, error_total
from reporter.model import NOT_CONFIGURED, SECTION_SOURCE, Figure, Inventory, ReportData, Stat
from reporter.period import Period, previous
from reporter.queries import Queries
from runtime.redact import Redactor

log = logging.getLogger("reporter")
MIN_COVERAGE = 0.5  # of the previous period with data, to compare with it
DEFAULT_THRESHOLDS = {
    "cpu": (70.0, 85.0),
    "memory": (75.0, 90.0),
    "disk": (75.0, 90.0),
    "error_rate": (0.5, 2.0),
    "latency": (500.0, 2000.0),
}


@dataclass
class Clients:
    """The outside systems, each None when not configured; `unavailable` says why for those
    that could not even be set up (a kubeconfig that does not load)."""

    prometheus: PrometheusClient | None = None
    kubernetes: KubernetesClient | None = None
    loki: LokiClient | None = None
    unavailable: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        for c in (self.prometheus, self.kubernetes, self.loki):
            if c is not None:
                c.close()


@dataclass(frozen=True)
class Options:
    cluster: str = ""  # empty: the series' `cluster` label, else "kubernetes"
    top_n: int = 10
    queries: Queries = field(default_factory=Queries)
    logs: LogQuery = field(default_factory=LogQuery)
    thresholds: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS)
    )
    links: Mapping[str, str] = field(default_factory=dict)
    workers: int = 4
    redactor: Redactor = field(default_factory=Redactor)  # the site's patterns too


class _Counting:
    """Counts the Prometheus queries a report makes (the benchmark's budget is 40)."""

    def __init__(self, client: PrometheusClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.count = 0

    def query(self, expr: str, at: datetime) -> list:
        self._tick()
        return self._client.query(expr, at)

    def query_range(self, expr: str, start: datetime, end: datetime, step: Any) -> list:
        self._tick()
        return self._client.query_range(expr, start, end, step)

    def _tick(self) -> None:
        with self._lock:
            self.count += 1


def collect(
    period: Period,
    clients: Clients,
    options: Options | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ReportData:
    opts = options or Options()
    prev = previous(period)
    generated = clock() if clock else datetime.now(period.start.tzinfo)
    q = opts.queries
    jobs: dict[str, Callable[[], Any]] = {}
    missing: dict[str, str] = {}
    sources = {"prometheus": "", "kubernetes": "", "loki": ""}

    counter = _Counting(clients.prometheus) if clients.prometheus else None
    if counter is not None:
        at, pat = period.end, prev.end

        def instant(build: Callable[[Period], str], p: Period, t: datetime):
            return lambda: counter.query(build(p), t)

        def pods() -> list:
            """Averages of every pod, then the peaks of the top ones only."""
            averages = counter.query(q.pods(period), at)
            by_cpu, by_memory = prom.parse_pods(averages, opts.top_n)
            names = {p.pod for p in (*by_cpu, *by_memory)}
            peaks = counter.query(q.pod_peaks(period, names), at) if names else []
            return [*averages, *peaks]

        jobs["pods"] = pods
        for name, build in (
            ("cluster", q.cluster),
            ("nodes", q.nodes),
            ("containers", q.containers),
            ("restarts", q.restarts),
            ("stages", q.stages),
            ("services", q.services),
            ("probes", q.probes),
            ("alerts", q.alerts),
        ):
            jobs[name] = instant(build, period, at)
        for name, build in (
            ("cluster", q.cluster),
            ("restarts", q.restarts),
            ("stages", q.stages),
            ("services", q.services),
            ("probes", q.probes),
            ("alerts", q.alerts),
        ):
            jobs[f"prev_{name}"] = instant(build, prev, pat)
        if period.start + period.step <= period.end:  # a report minutes old has no chart
            jobs["charts"] = lambda: counter.query_range(
                q.charts(period), period.start + period.step, period.end, period.step
            )
    if clients.kubernetes is not None:
        kube = clients.kubernetes
        jobs["inventory"] = lambda: Inventory(tuple(kube.nodes()), kube.pods_by_phase())
    if clients.loki is not None:
        loki = clients.loki
        jobs["logs"] = lambda: collect_logs(loki, opts.logs, period, opts.redactor)
        jobs["prev_logs"] = lambda: error_total(loki, opts.logs, prev)

    results, errors = _run(jobs, opts.workers)

    for source in sources:
        reason = clients.unavailable.get(source) or (
            "" if getattr(clients, source) is not None else NOT_CONFIGURED
        )
        if reason:
            sources[source] = reason
            for section, owner in SECTION_SOURCE.items():
                if owner == source:
                    missing[section] = reason
    job_sections = {
        "cluster": "usage",
        "nodes": "usage",
        "charts": "usage",
        "pods": "workloads",
        "containers": "workloads",
        "restarts": "restarts",
        "stages": "traffic",
        "services": "traffic",
        "probes": "probes",
        "alerts": "alerts",
        "inventory": "inventory",
        "logs": "logs",
    }
    for job, err in errors.items():
        section = "comparison" if job.startswith("prev_") else job_sections[job]
        missing.setdefault(section, str(err))
        source = getattr(err, "system", "") or SECTION_SOURCE[section]
        sources[source] = sources.get(source) or str(err)
        log.warning("report source failed: job=%s error=%s", job, err)

    data = ReportData(
        period=period,
        previous=prev,
        cluster=opts.cluster,
        generated_at=generated,
        thresholds=dict(opts.thresholds),
        missing=missing,
        sources=sources,
        links=dict(opts.links),
        queries=counter.count if counter else 0,
    )
    data = _fill(data, results, opts)
    if not data.cluster:
        data = replace(data, cluster="kubernetes")
    if "prev_cluster" in results:
        covered = prom.coverage(results["prev_cluster"], prev.seconds)
        if covered < MIN_COVERAGE:
            log.info(
                "previous period %s has data for %.0f%% of it: no comparison",
                prev.label,
                covered * 100,
            )
            results = {k: v for k, v in results.items() if not k.startswith("prev_")}
            data = replace(data, comparable=False)
    return replace(data, figures=_figures(data, results, opts))


def _run(
    jobs: Mapping[str, Callable[[], Any]], workers: int
) -> tuple[dict[str, Any], dict[str, IntegrationError]]:
    results: dict[str, Any] = {}
    errors: dict[str, IntegrationError] = {}
    if not jobs:
        return results, errors
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(job): name for name, job in jobs.items()}
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            try:
                results[name] = future.result()
            except IntegrationError as e:
                errors[name] = e
    return results, errors


def _fill(data: ReportData, r: Mapping[str, Any], opts: Options) -> ReportData:
    seconds = data.period.seconds
    changes: dict[str, Any] = {}
    if "cluster" in r:
        changes["cluster_usage"] = prom.parse_cluster(r["cluster"])
    if "nodes" in r:
        changes["nodes"] = prom.parse_nodes(r["nodes"])
        if not data.cluster:  # the series' own `cluster` label
            changes["cluster"] = prom.cluster_label(r["nodes"])
    if "charts" in r:
        changes["usage_series"], changes["error_series"] = prom.parse_charts(r["charts"])
    if "pods" in r:
        changes["top_pods_cpu"], changes["top_pods_memory"] = prom.parse_pods(r["pods"], opts.top_n)
    if "containers" in r:
        changes["containers"] = prom.parse_containers(r["containers"], opts.top_n)
    if "restarts" in r:
        changes["restarts"] = prom.parse_restarts(r["restarts"])
    if "stages" in r:
        changes["stages"] = prom.parse_stages(r["stages"], seconds)
    if "services" in r:
        changes["services"], changes["latency_overall"] = prom.parse_services(
            r["services"], seconds
        )
    if "probes" in r:
        changes["probes"] = prom.parse_probes(r["probes"])
    if "alerts" in r:
        changes["alerts"] = prom.parse_alerts(r["alerts"])
    if "inventory" in r:
        changes["inventory"] = r["inventory"]
    if "logs" in r:
        changes["logs"] = r["logs"]
    return replace(data, **changes)


def _figures(data: ReportData, r: Mapping[str, Any], opts: Options) -> tuple[Figure, ...]:
    """The summary's key figures, each with the previous period's value."""
    prev_seconds = data.previous.seconds
    th = data.thresholds

    def ok(job: str) -> bool:
        return job in r

    prev_cluster = prom.parse_cluster(r["prev_cluster"]) if ok("prev_cluster") else {}
    prev_stages = prom.parse_stages(r["prev_stages"], prev_seconds) if ok("prev_stages") else ()
    prev_services = (
        prom.parse_services(r["prev_services"], prev_seconds) if ok("prev_services") else ((), None)
    )
    prev_probes = prom.parse_probes(r["prev_probes"]) if ok("prev_probes") else None
    prev_alerts = prom.parse_alerts(r["prev_alerts"]) if ok("prev_alerts") else None
    prev_restarts = prom.parse_restarts(r["prev_restarts"]) if ok("prev_restarts") else None

    def pct(stat: Stat | None, which: str = "avg") -> float | None:
        value = getattr(stat, which) if stat else None
        return value * 100 if value is not None else None

    def level(area: str, value: float | None) -> str:
        warning, critical = th.get(area, (float("inf"), float("inf")))
        if value is None:
            return "ok"
        return "critical" if value >= critical else "warning" if value >= warning else "ok"

    cpu = pct(data.cluster_usage.get("cpu")) if "cluster" in r else None
    memory = pct(data.cluster_usage.get("memory")) if "cluster" in r else None
    disk = pct(data.cluster_usage.get("disk"), "peak") if "cluster" in r else None

    def total_5xx(stages) -> float | None:
        values = [s.total for s in stages if s.total is not None]
        return sum(values) if values else None

    def error_ratio(services) -> float | None:
        req = sum(s.requests or 0 for s in services)
        err = sum((s.requests or 0) * (s.error_ratio or 0) for s in services)
        return err / req * 100 if req else None

    def availability(probes) -> float | None:
        values = [p.availability for p in probes or () if p.availability is not None]
        return min(values) * 100 if values else None

    def fired(alerts) -> float | None:
        return float(sum(a.fired for a in alerts)) if alerts is not None else None

    def restarts(rows, attr: str) -> float | None:
        return float(sum(getattr(x, attr) for x in rows)) if rows is not None else None

    traffic = "services" in r
    figures = [
        Figure("cpu_avg", cpu, pct(prev_cluster.get("cpu")), "%", level=level("cpu", cpu)),
        Figure(
            "memory_avg",
            memory,
            pct(prev_cluster.get("memory")),
            "%",
            level=level("memory", memory),
        ),
        Figure(
            "disk_peak", disk, pct(prev_cluster.get("disk"), "peak"), "%", level=level("disk", disk)
        ),
        Figure(
            "error_ratio",
            error_ratio(data.services) if traffic else None,
            error_ratio(prev_services[0]) if ok("prev_services") else None,
            "%",
            level=level("error_rate", error_ratio(data.services) if traffic else None),
            digits=2,
        ),
        Figure(
            "latency",
            data.latency_overall,
            prev_services[1],
            "ms",
            level=level("latency", data.latency_overall),
            digits=0,
        ),
        Figure(
            "http_5xx",
            total_5xx(data.stages) if "stages" in r else None,
            total_5xx(prev_stages) if ok("prev_stages") else None,
            "count",
            digits=0,
        ),
        Figure(
            "availability",
            availability(data.probes) if "probes" in r else None,
            availability(prev_probes),
            "%",
            lower_is_better=False,
            digits=3,
        ),
        Figure(
            "alerts_fired",
            fired(data.alerts) if "alerts" in r else None,
            fired(prev_alerts),
            "count",
            digits=0,
        ),
        Figure(
            "restarts",
            restarts(data.restarts, "restarts") if "restarts" in r else None,
            restarts(prev_restarts, "restarts"),
            "count",
            digits=0,
        ),
        Figure(
            "oom_kills",
            restarts(data.restarts, "oom_kills") if "restarts" in r else None,
            restarts(prev_restarts, "oom_kills"),
            "count",
            digits=0,
        ),
        Figure(
            "log_errors",
            data.logs.total if data.logs else None,
            r.get("prev_logs"),
            "count",
            digits=0,
        ),
    ]
    return tuple(figures)
