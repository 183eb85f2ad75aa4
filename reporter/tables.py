"""The report's tables, in report order: the PDF and the CSV files are written from the same
cells (reporter/cells.py); the thresholds, crossings and worst hours are reporter/peak_tables.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reporter import peak_tables
from reporter.cells import Cell, Table, integer, level, number, percent, text
from reporter.i18n import MESSAGES, t
from reporter.model import ReportData, Stat

MiB = 1024 * 1024
GiB = 1024 * MiB
PHASES = ("Running", "Pending", "Succeeded", "Failed", "Unknown")


def build_tables(data: ReportData, lang: str) -> list[Table]:
    """Every table, in report order; a table whose section is missing is left out."""
    tr: Callable[..., str] = lambda key, **kw: t(lang, key, **kw)  # noqa: E731
    th = data.thresholds
    out: list[Table] = []

    def add(key: str, section: str, title: str, columns: Sequence[str], rows) -> None:
        if section in data.missing:
            return
        out.append(Table(key, section, title, tuple(tr(c) for c in columns), tuple(rows)))

    def put(table: Table) -> None:
        if table.section not in data.missing:
            out.append(table)

    def pct_cell(ratio: float | None, area: str) -> Cell:
        return percent(ratio, 1, level(th.get(area), ratio * 100 if ratio is not None else None))

    put(peak_tables.thresholds(data, tr))
    if "alerts" not in data.missing:
        put(peak_tables.crossings(data, tr, lang))
    if data.cluster_usage:
        rows = []
        for area in ("cpu", "memory", "disk"):
            s: Stat = data.cluster_usage[area]
            cells = [pct_cell(v, area) for v in (s.avg, s.p95, s.peak)]
            rows.append((text(tr(f"resource.{area}")), *cells))
        add(
            "cluster",
            "usage",
            tr("table.cluster_usage"),
            ("col.resource", "col.avg", "col.p95", "col.peak"),
            rows,
        )
    addresses = any(n.address for n in data.nodes)
    add(
        "nodes",
        "usage",
        tr("table.nodes"),
        (
            "col.node",
            *(("col.address",) if addresses else ()),
            "col.cpu_avg",
            "col.cpu_p95",
            "col.cpu_peak",
            "col.memory_avg",
            "col.memory_p95",
            "col.memory_peak",
            "col.disk_peak",
            "col.mountpoint",
        ),
        [
            (
                text(n.label),
                *((text(n.address or "-"),) if addresses else ()),
                pct_cell(n.cpu.avg, "cpu"),
                pct_cell(n.cpu.p95, "cpu"),
                pct_cell(n.cpu.peak, "cpu"),
                pct_cell(n.memory.avg, "memory"),
                pct_cell(n.memory.p95, "memory"),
                pct_cell(n.memory.peak, "memory"),
                pct_cell(n.disk.peak, "disk"),
                text(n.disk_mountpoint or "-"),
            )
            for n in data.nodes
        ],
    )
    put(peak_tables.node_hours(data, tr, lang))
    pod_cols = (
        "col.namespace",
        "col.pod",
        "col.node",
        "col.cpu_cores_avg",
        "col.cpu_cores_peak",
        "col.memory_mib_avg",
        "col.memory_mib_peak",
    )

    def pod_row(p):
        return (
            text(p.namespace),
            text(p.pod),
            text(p.node or "-"),
            number(p.cpu_avg, 3),
            number(p.cpu_peak, 3),
            number(p.memory_avg / MiB if p.memory_avg is not None else None, 0),
            number(p.memory_peak / MiB if p.memory_peak is not None else None, 0),
        )

    add(
        "top_pods_cpu",
        "workloads",
        tr("table.top_pods_cpu"),
        pod_cols,
        map(pod_row, data.top_pods_cpu),
    )
    add(
        "top_pods_memory",
        "workloads",
        tr("table.top_pods_memory"),
        pod_cols,
        map(pod_row, data.top_pods_memory),
    )
    add(
        "containers",
        "workloads",
        tr("table.containers"),
        (
            "col.namespace",
            "col.pod",
            "col.container",
            "col.cpu_cores_avg",
            "col.cpu_limit_peak",
            "col.memory_mib_peak",
            "col.memory_limit_peak",
        ),
        [
            (
                text(c.namespace),
                text(c.pod),
                text(c.container),
                number(c.cpu_avg, 3),
                pct_cell(c.cpu_limit_peak, "cpu"),
                number(c.memory_peak / MiB if c.memory_peak is not None else None, 0),
                pct_cell(c.memory_limit_peak, "memory"),
            )
            for c in data.containers
        ],
    )
    add(
        "restarts",
        "restarts",
        tr("table.restarts"),
        ("col.namespace", "col.pod", "col.container", "col.restarts", "col.oom_kills"),
        [
            (
                text(r.namespace),
                text(r.pod),
                text(r.container),
                integer(r.restarts),
                integer(r.oom_kills, "critical" if r.oom_kills else ""),
            )
            for r in data.restarts
        ],
    )
    add(
        "stages",
        "traffic",
        tr("table.stages"),
        ("col.stage", "col.rate_avg", "col.rate_peak", "col.total"),
        [
            (
                text(tr(f"stage.{s.stage}") if f"stage.{s.stage}" in MESSAGES[lang] else s.stage),
                number(s.rate_avg * 60 if s.rate_avg is not None else None, 2),
                number(s.rate_peak * 60 if s.rate_peak is not None else None, 2),
                integer(s.total),
            )
            for s in data.stages
        ],
    )
    add(
        "services",
        "traffic",
        tr("table.services"),
        (
            "col.namespace",
            "col.service",
            "col.requests",
            "col.error_ratio",
            "col.latency_avg",
            "col.latency_peak",
        ),
        [
            (
                text(s.namespace),
                text(s.service),
                integer(s.requests),
                percent(s.error_ratio, 2, level(th.get("error_rate"), (s.error_ratio or 0) * 100)),
                number(s.latency_avg, 0, level(th.get("latency"), s.latency_avg)),
                number(s.latency_peak, 0, level(th.get("latency"), s.latency_peak)),
            )
            for s in data.services
        ],
    )
    put(peak_tables.service_hours(data, tr, lang))
    add(
        "probes",
        "probes",
        tr("table.probes"),
        ("col.kind", "col.target", "col.availability", "col.failures", "col.degraded", "col.down"),
        [
            (
                text(p.kind),
                text(p.target),
                percent(p.availability, 3, "" if (p.availability or 0) >= 0.999 else "warning"),
                integer(p.failures),
                integer(p.degraded_minutes),
                integer(p.down_minutes, "critical" if p.down_minutes else ""),
            )
            for p in data.probes
        ],
    )
    add(
        "alerts",
        "alerts",
        tr("table.alerts"),
        ("col.alertname", "col.severity", "col.fired", "col.firing_minutes"),
        [
            (
                text(a.alertname),
                Cell(
                    a.severity, a.severity if a.severity in ("warning", "critical") else "", False
                ),
                integer(a.fired),
                integer(a.firing_minutes),
            )
            for a in data.alerts
        ],
    )
    if data.inventory is not None:
        add(
            "k8s_nodes",
            "inventory",
            tr("table.k8s_nodes"),
            (
                "col.node",
                "col.status",
                "col.roles",
                "col.version",
                "col.cpu_capacity",
                "col.memory_capacity",
                "col.pods_capacity",
            ),
            [
                (
                    text(n.name),
                    Cell(
                        _node_status(n, lang),
                        "" if n.ready and not n.pressure else "critical",
                        False,
                    ),
                    text(", ".join(n.roles) or "-"),
                    text(n.kubelet_version or "-"),
                    number(n.cpu_cores, 0 if float(n.cpu_cores or 0).is_integer() else 1),
                    number(n.memory_bytes / GiB if n.memory_bytes is not None else None, 1),
                    integer(n.pods),
                )
                for n in data.inventory.nodes
            ],
        )
        phases = data.inventory.pods_by_phase
        add(
            "pods_by_phase",
            "inventory",
            tr("table.pods_by_phase"),
            ("col.namespace", *(f"col.phase_{p.lower()}" for p in PHASES), "col.total_pods"),
            [
                (
                    text(ns),
                    *(
                        integer(
                            phases[ns].get(p, 0),
                            "warning"
                            if p in ("Failed", "Pending", "Unknown") and phases[ns].get(p)
                            else "",
                        )
                        for p in PHASES
                    ),
                    integer(sum(phases[ns].values())),
                )
                for ns in sorted(phases)
            ],
        )
    if data.logs is not None:
        add(
            "log_services",
            "logs",
            tr("table.log_services"),
            ("col.service", "col.errors"),
            [(text(name), integer(n)) for name, n in data.logs.by_service],
        )
        out_title = tr("table.log_messages", sampled=f"{data.logs.sampled:,}")
        add(
            "log_messages",
            "logs",
            out_title,
            ("col.message", "col.count", "col.services"),
            [
                (text(m.message), integer(m.count), text(", ".join(m.services)))
                for m in data.logs.messages
            ],
        )
    return out


def _node_status(n, lang: str) -> str:
    if n.ready is None:
        status = t(lang, "status.unknown")
    else:
        status = t(lang, "status.ready" if n.ready else "status.not_ready")
    extra = list(n.pressure)
    if n.unschedulable:
        extra.append(t(lang, "status.cordoned"))
    return f"{status} ({', '.join(extra)})" if extra else status
