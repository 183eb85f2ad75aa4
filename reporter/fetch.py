"""`fetch(period, clients) -> Fetched`: every table and series of a report, from every source at
once, and the previous period's values its key figures compare with (reporter/figures.py).

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
from integrations.prometheus import PrometheusClient
from reporter import node_names, peaks, prom, series, thresholds
from reporter.clients import Clients
from reporter.logs import LogQuery, collect_logs, error_total
from reporter.model import NOT_CONFIGURED, SECTION_SOURCE, Inventory, Previous, ReportData
from reporter.period import Period, previous
from reporter.queries import Queries
from runtime.redact import Redactor

log = logging.getLogger("reporter")
MIN_COVERAGE = 0.5  # of the previous period with data, to compare with it


@dataclass(frozen=True)
class Options:
    cluster: str = ""  # empty: the series' `cluster` label, else "kubernetes"
    top_n: int = 10
    # its rules config gives the fallback thresholds and the raw expressions too
    queries: Queries = field(default_factory=Queries)
    logs: LogQuery = field(default_factory=LogQuery)
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


@dataclass(frozen=True)
class Fetched:
    data: ReportData  # every section; its key figures are figures.key_figures()'s
    previous: Previous  # the previous period's values, when there are enough to compare


def fetch(
    period: Period,
    clients: Clients,
    options: Options | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Fetched:
    opts = options or Options()
    prev = previous(period)
    generated = clock() if clock else datetime.now(period.start.tzinfo)
    jobs: dict[str, Callable[[], Any]] = {}
    missing: dict[str, str] = {}
    sources = {"prometheus": "", "kubernetes": "", "loki": ""}
    at, pat = period.end, prev.end

    # First what the queries depend on: which series cover each period, the alerts' thresholds.
    counter = _Counting(clients.prometheus) if clients.prometheus else None
    first: dict[str, Callable[[], Any]] = {}
    if counter is not None:
        base = opts.queries
        first["coverage"] = lambda: counter.query(base.coverage(period), at)
        first["prev_coverage"] = lambda: counter.query(base.coverage(prev), pat)
        first["names"] = lambda: counter.query(node_names.query(base, period), at)
    if clients.prometheus is not None:
        first["rules"] = clients.prometheus.alerting_rules  # not a query: not counted
    known, errors = _run(first, opts.workers)
    if "rules" in errors:  # the thresholds come from the rules config instead: not a gap
        log.info(
            "no alerting rules from Prometheus (%s): thresholds from the config", errors["rules"]
        )
        del errors["rules"]
    rules = opts.queries.rules  # the rules config: fallback thresholds, raw expressions
    alert_thresholds = thresholds.resolve(known.get("rules"), rules)
    cur_modes = series.modes(known.get("coverage", ()), period, rules)
    prev_modes = series.modes(known.get("prev_coverage", ()), prev, rules)
    step = series.RAW_STEPS[period.kind]
    q = replace(opts.queries, modes=cur_modes, step=step)
    qp = replace(opts.queries, modes=prev_modes, step=step)

    if counter is not None:

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
            ("container_memory", q.container_memory),
            ("restarts", q.restarts),
            ("stages", q.stages),
            ("services", q.services),
            ("probes", q.probes),
            ("alerts", q.alerts),
        ):
            jobs[name] = instant(build, period, at)
        for name, build in (
            ("cluster", qp.cluster),
            ("restarts", qp.restarts),
            ("stages", qp.stages),
            ("services", qp.services),
            ("probes", qp.probes),
            ("alerts", qp.alerts),
        ):
            jobs[f"prev_{name}"] = instant(build, prev, pat)
        if period.start + period.step <= period.end:  # a report minutes old has no chart
            jobs["charts"] = lambda: counter.query_range(
                q.charts(period), period.start + period.step, period.end, period.step
            )
        hours = peaks.hourly_range(period)
        if hours is not None:
            jobs["hourly"] = lambda: counter.query_range(peaks.hourly(q, q.quantile), *hours)
        beyond, when = peaks.crossings(q, alert_thresholds), peaks.crossings_range(q, period)
        if beyond and when is not None:
            jobs["crossings"] = lambda: counter.query_range(beyond, *when)
    if clients.kubernetes is not None:
        kube = clients.kubernetes
        jobs["inventory"] = lambda: Inventory(tuple(kube.nodes()), kube.pods_by_phase())
    if clients.loki is not None:
        loki = clients.loki
        jobs["logs"] = lambda: collect_logs(loki, opts.logs, period, opts.redactor)
        jobs["prev_logs"] = lambda: error_total(loki, opts.logs, prev)

    results, later = _run(jobs, opts.workers)
    errors.update(later)
    results.update(known)

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
        "container_memory": "workloads",
        "restarts": "restarts",
        "stages": "traffic",
        "services": "traffic",
        "probes": "probes",
        "alerts": "alerts",
        "inventory": "inventory",
        "logs": "logs",
        "coverage": "usage",
        "names": "usage",
        "hourly": "usage",
        "crossings": "alerts",
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
        thresholds=alert_thresholds,
        missing=missing,
        sources=sources,
        links=dict(opts.links),
        queries=counter.count if counter else 0,
        raw_sections=series.section_sources(cur_modes),
    )
    data = _fill(data, results, opts, q.resolution_seconds)
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
    return Fetched(data, _previous(data, results))


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


def _fill(data: ReportData, r: Mapping[str, Any], opts: Options, step: int) -> ReportData:
    """The report's sections from the queries' answers; `step`: the crossings' resolution."""
    seconds = data.period.seconds
    changes: dict[str, Any] = {}
    name_of = node_names.namer(r.get("names", ()))
    worst = peaks.worst_hours(r.get("hourly", ()), data.period.start.tzinfo)
    if "cluster" in r:
        changes["cluster_usage"] = prom.parse_cluster(r["cluster"])
    if "nodes" in r:
        changes["nodes"] = tuple(
            replace(
                n,
                name=name_of(n.instance),
                cpu_worst_hour=worst.get(("cpu", n.instance)),
                memory_worst_hour=worst.get(("memory", n.instance)),
            )
            for n in prom.parse_nodes(r["nodes"])
        )
        if not data.cluster:  # the series' own `cluster` label
            changes["cluster"] = prom.cluster_label(r["nodes"])
    if "charts" in r:
        changes["usage_series"], changes["error_series"] = prom.parse_charts(r["charts"])
    if "pods" in r:
        changes["top_pods_cpu"], changes["top_pods_memory"] = prom.parse_pods(r["pods"], opts.top_n)
    if "containers" in r and "container_memory" in r:
        both = [*r["containers"], *r["container_memory"]]
        changes["containers"] = prom.parse_containers(both, opts.top_n)
    if "restarts" in r:
        changes["restarts"] = prom.parse_restarts(r["restarts"])
    if "stages" in r:
        changes["stages"] = prom.parse_stages(r["stages"], seconds)
    if "services" in r:
        services, changes["latency_overall"] = prom.parse_services(r["services"], seconds)
        changes["services"] = tuple(
            replace(
                s,
                error_worst_hour=worst.get(("errors", s.namespace, s.service)),
                latency_worst_hour=worst.get(("latency", s.namespace, s.service)),
            )
            for s in services
        )
    if "crossings" in r:
        tz = data.period.start.tzinfo
        changes["crossings"] = peaks.parse_crossings(r["crossings"], name_of, tz, step)
    if "probes" in r:
        changes["probes"] = prom.parse_probes(r["probes"])
    if "alerts" in r:
        changes["alerts"] = prom.parse_alerts(r["alerts"])
    if "inventory" in r:
        changes["inventory"] = r["inventory"]
    if "logs" in r:
        changes["logs"] = r["logs"]
    return replace(data, **changes)


def _previous(data: ReportData, r: Mapping[str, Any]) -> Previous:
    seconds = data.previous.seconds
    services = prom.parse_services(r["prev_services"], seconds) if "prev_services" in r else None
    return Previous(
        cluster_usage=prom.parse_cluster(r["prev_cluster"]) if "prev_cluster" in r else None,
        stages=prom.parse_stages(r["prev_stages"], seconds) if "prev_stages" in r else None,
        services=services[0] if services else None,
        latency_overall=services[1] if services else None,
        probes=prom.parse_probes(r["prev_probes"]) if "prev_probes" in r else None,
        alerts=prom.parse_alerts(r["prev_alerts"]) if "prev_alerts" in r else None,
        restarts=prom.parse_restarts(r["prev_restarts"]) if "prev_restarts" in r else None,
        log_errors=r.get("prev_logs"),
    )
