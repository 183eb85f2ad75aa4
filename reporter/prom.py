"""Prometheus answers -> the report's tables: one parser per query of `reporter.queries`.

Each query returns a union of columns told apart by the `stat` label; `_by_stat` folds them back
into rows keyed by the table's labels. NaN (a quantile of no requests, a ratio of 0/0) becomes
None, which the report shows as "-".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from integrations.prometheus import RangeSeries, Sample
from reporter.model import (
    AlertCount,
    ContainerUsage,
    NodeUsage,
    PodUsage,
    ProbeAvailability,
    Restarts,
    Series,
    ServiceTraffic,
    StageErrors,
    Stat,
)

STAGE_ORDER = ("haproxy", "istio", "application")
Row = dict[str, float | None]


def _value(v: float) -> float | None:
    return None if math.isnan(v) or math.isinf(v) else v


def _by_stat(samples: Iterable[Sample], keys: Sequence[str]) -> dict[tuple[str, ...], Row]:
    rows: dict[tuple[str, ...], Row] = {}
    for s in samples:
        key = tuple(s.labels.get(k, "") for k in keys)
        rows.setdefault(key, {})[s.labels.get("stat", "")] = _value(s.value)
    return rows


def _stat(row: Row, prefix: str) -> Stat:
    return Stat(row.get(f"{prefix}_avg"), row.get(f"{prefix}_p95"), row.get(f"{prefix}_peak"))


def _sort_key(value: float | None) -> float:
    return -(value if value is not None else -math.inf)


def cluster_label(samples: Iterable[Sample]) -> str:
    """The `cluster` label the series carry (kubernetes-mixin's clusterLabel), if any."""
    for s in samples:
        if s.labels.get("cluster"):
            return s.labels["cluster"]
    return ""


def parse_cluster(samples: Iterable[Sample]) -> dict[str, Stat]:
    row = _by_stat(samples, ()).get((), {})
    return {name: _stat(row, name) for name in ("cpu", "memory", "disk")}


def coverage(samples: Iterable[Sample], seconds: float) -> float:
    """Share of the period's 5-minute steps that had node data (0-1)."""
    steps = _by_stat(samples, ()).get((), {}).get("coverage") or 0.0
    return min(1.0, steps * 300 / seconds) if seconds > 0 else 0.0


def parse_nodes(samples: Iterable[Sample]) -> tuple[NodeUsage, ...]:
    rows = _by_stat(samples, ("instance", "mountpoint"))
    usage: dict[str, tuple[Stat, Stat]] = {}  # instance -> (cpu, memory)
    fullest: dict[str, tuple[Stat, str]] = {}  # instance -> (disk, its mountpoint)
    for (instance, mountpoint), row in rows.items():
        if mountpoint:  # a filesystem: keep the node's fullest one
            disk = _stat(row, "disk")
            best = fullest.get(instance)
            if best is None or _sort_key(disk.peak) < _sort_key(best[0].peak):
                fullest[instance] = (disk, mountpoint)
        else:
            usage[instance] = (_stat(row, "cpu"), _stat(row, "memory"))
    out = [
        NodeUsage(
            instance=instance,
            cpu=usage.get(instance, (Stat(), Stat()))[0],
            memory=usage.get(instance, (Stat(), Stat()))[1],
            disk=fullest.get(instance, (Stat(), ""))[0],
            disk_mountpoint=fullest.get(instance, (Stat(), ""))[1],
        )
        for instance in {*usage, *fullest}
        if instance
    ]
    return tuple(sorted(out, key=lambda n: _natural(n.instance)))


def parse_pods(samples: Iterable[Sample], top: int) -> tuple[tuple[PodUsage, ...], ...]:
    """(top by average CPU, top by average memory)."""
    pods = [
        PodUsage(
            namespace,
            pod,
            node,
            row.get("cpu_avg"),
            row.get("cpu_peak"),
            row.get("memory_avg"),
            row.get("memory_peak"),
        )
        for (namespace, pod, node), row in _by_stat(samples, ("namespace", "pod", "node")).items()
    ]
    by_cpu = sorted(pods, key=lambda p: (_sort_key(p.cpu_avg), p.namespace, p.pod))
    by_mem = sorted(pods, key=lambda p: (_sort_key(p.memory_avg), p.namespace, p.pod))
    return tuple(p for p in by_cpu[:top] if p.cpu_avg), tuple(
        p for p in by_mem[:top] if p.memory_avg
    )


def parse_containers(samples: Iterable[Sample], top: int) -> tuple[ContainerUsage, ...]:
    """The containers closest to a limit (CPU or memory, at their peak)."""
    keys = ("namespace", "pod", "container", "node")
    rows = [
        ContainerUsage(
            namespace=namespace,
            pod=pod,
            container=container,
            node=node,
            cpu_avg=row.get("cpu_avg"),
            cpu_limit_peak=row.get("cpu_limit_peak"),
            memory_peak=row.get("memory_peak"),
            memory_limit_peak=row.get("memory_limit_peak"),
        )
        for (namespace, pod, container, node), row in _by_stat(samples, keys).items()
    ]
    rows = [c for c in rows if c.cpu_limit_peak is not None or c.memory_limit_peak is not None]
    rows.sort(key=lambda c: (-c.pressure, c.namespace, c.pod, c.container))
    return tuple(rows[:top])


def parse_restarts(samples: Iterable[Sample]) -> tuple[Restarts, ...]:
    rows = [
        Restarts(ns, pod, ctr, round(row.get("restarts") or 0), round(row.get("oom_kills") or 0))
        for (ns, pod, ctr), row in _by_stat(samples, ("namespace", "pod", "container")).items()
    ]
    rows = [r for r in rows if r.restarts > 0]
    return tuple(sorted(rows, key=lambda r: (-r.restarts, -r.oom_kills, r.namespace, r.pod)))


def parse_stages(samples: Iterable[Sample], seconds: float) -> tuple[StageErrors, ...]:
    rows = _by_stat(samples, ("stage",))
    out = []
    for (stage,), row in rows.items():
        avg = row.get("rate_avg")
        out.append(
            StageErrors(
                stage, avg, row.get("rate_peak"), avg * seconds if avg is not None else None
            )
        )
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    return tuple(sorted(out, key=lambda s: (order.get(s.stage, 99), s.stage)))


def parse_services(
    samples: Iterable[Sample], seconds: float
) -> tuple[tuple[ServiceTraffic, ...], float | None]:
    """(per service, sorted by requests; the overall latency quantile over every service)."""
    rows = _by_stat(samples, ("destination_service_namespace", "destination_service_name"))
    overall = rows.pop(("", ""), {}).get("latency_overall")
    out = []
    for (ns, name), row in rows.items():
        req, err = row.get("requests"), row.get("errors")
        out.append(
            ServiceTraffic(
                namespace=ns,
                service=name,
                requests=req * seconds if req is not None else None,
                error_ratio=(err or 0.0) / req if req else None,
                latency_avg=row.get("latency_avg"),
                latency_peak=row.get("latency_peak"),
            )
        )
    out.sort(key=lambda s: (_sort_key(s.requests), s.namespace, s.service))
    return tuple(out), overall


def parse_probes(samples: Iterable[Sample]) -> tuple[ProbeAvailability, ...]:
    out = [
        ProbeAvailability(
            kind,
            target,
            row.get("availability"),
            failures=round(row.get("failures") or 0),
            degraded_minutes=row.get("degraded") or 0.0,
            down_minutes=row.get("down") or 0.0,
        )
        for (kind, target), row in _by_stat(samples, ("kind", "target")).items()
        if row.get("availability") is not None
    ]
    return tuple(sorted(out, key=lambda p: (-(1 - (p.availability or 0)), p.kind, p.target)))


def parse_alerts(samples: Iterable[Sample]) -> tuple[AlertCount, ...]:
    order = {"critical": 0, "warning": 1, "info": 2}
    out = [
        AlertCount(name, severity, round(row.get("fired") or 0), row.get("minutes") or 0.0)
        for (name, severity), row in _by_stat(samples, ("alertname", "severity")).items()
        if (row.get("fired") or 0) > 0 or (row.get("minutes") or 0) > 0
    ]
    return tuple(sorted(out, key=lambda a: (order.get(a.severity, 3), -a.fired, a.alertname)))


def parse_charts(
    series: Iterable[RangeSeries],
) -> tuple[tuple[Series, ...], tuple[Series, ...]]:
    """(usage: cpu_avg, cpu_max, memory_avg, memory_max; 5xx per stage)."""
    usage: dict[str, Series] = {}
    errors: list[Series] = []
    for s in series:
        name = s.labels.get("series", "")
        points = tuple((t, v) for t, v in s.values if not math.isnan(v))
        if name == "5xx":
            errors.append(Series(s.labels.get("stage", ""), points))
        elif name:
            usage[name] = Series(name, points)
    order = ("cpu_avg", "cpu_max", "memory_avg", "memory_max")
    stage_order = {s: i for i, s in enumerate(STAGE_ORDER)}
    errors.sort(key=lambda s: (stage_order.get(s.name, 99), s.name))
    return tuple(usage[k] for k in order if k in usage), tuple(errors)


def _natural(text: str) -> tuple:
    """node-2 before node-10."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))
