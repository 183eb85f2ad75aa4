"""A small, fully populated `ReportData` for tests of rendering, CSV, narrative and delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.kubernetes import Node
from reporter.model import (
    AlertCount,
    ContainerUsage,
    Figure,
    Inventory,
    LogErrors,
    LogMessage,
    NodeUsage,
    PodUsage,
    ProbeAvailability,
    ReportData,
    Restarts,
    Series,
    ServiceTraffic,
    StageErrors,
    Stat,
)
from reporter.period import period_for, previous
from reporter.thresholds import resolve
from rules import packaged_config

SEOUL = ZoneInfo("Asia/Seoul")
MiB = 1024 * 1024


def sample_report(kind: str = "weekly", pods: int = 6, restarts: int = 3) -> ReportData:
    period = period_for(kind, datetime(2025, 11, 3, 0, 0, tzinfo=SEOUL), SEOUL)
    step = period.step
    times = []
    t = period.start + step
    while t <= period.end:
        times.append(t)
        t += step

    def wave(base: float, amp: float) -> tuple:
        return tuple((x, base + amp * ((i % 12) / 12)) for i, x in enumerate(times))

    pod_rows = tuple(
        PodUsage(
            "shop",
            f"api-{i:04d}",
            f"node-{i % 3 + 1}",
            0.5 - i * 0.05,
            0.9 - i * 0.05,
            (400 - i * 20) * MiB,
            (480 - i * 20) * MiB,
        )
        for i in range(pods)
    )
    return ReportData(
        period=period,
        previous=previous(period),
        cluster="bravo-onprem",
        generated_at=datetime(2025, 11, 3, 9, 0, tzinfo=SEOUL),
        thresholds=resolve(None, packaged_config()),
        figures=(
            Figure("cpu_avg", 47.5, 41.2, "%"),
            Figure("memory_avg", 61.0, 61.0, "%"),
            Figure("disk_peak", 78.3, 76.0, "%", level="warning"),
            Figure("error_ratio", 0.84, 1.2, "%", level="warning", digits=2),
            Figure("latency", 412.0, 380.0, "ms", digits=0),
            Figure("http_5xx", 12345.0, 10000.0, "count", digits=0),
            Figure("availability", 99.603, 100.0, "%", lower_is_better=False, digits=3),
            Figure("alerts_fired", 9.0, 3.0, "count", digits=0),
            Figure("restarts", 3.0, 0.0, "count", digits=0),
            Figure("oom_kills", 3.0, None, "count", digits=0),
            Figure("log_errors", 5321.0, 6000.0, "count", digits=0),
        ),
        cluster_usage={
            "cpu": Stat(0.475, 0.61, 0.72),
            "memory": Stat(0.61, 0.64, 0.66),
            "disk": Stat(0.75, 0.77, 0.783),
        },
        nodes=tuple(
            NodeUsage(
                f"node-{i}",
                Stat(0.3 + i / 10, 0.4 + i / 10, 0.5 + i / 10),
                Stat(0.5, 0.55, 0.6),
                Stat(0.6, 0.62, 0.7 + i / 100),
                "/",
            )
            for i in range(1, 4)
        ),
        top_pods_cpu=pod_rows,
        top_pods_memory=pod_rows,
        containers=(
            ContainerUsage("shop", "api-0001", "api", "node-2", 0.85, 0.93, 300 * MiB, 0.59),
            ContainerUsage("shop", "cache-0002", "cache", "node-3", 0.1, 0.1, 490 * MiB, 0.95),
        ),
        restarts=tuple(
            Restarts("shop", f"cache-{i:04d}", "cache", 10 - i, 1 if i == 0 else 0)
            for i in range(restarts)
        ),
        stages=(
            StageErrors("haproxy", 0.05, 0.07, 30240.0),
            StageErrors("istio", 0.02, 0.05, 12096.0),
            StageErrors("application", 0.1, 0.3, 60480.0),
        ),
        services=(
            ServiceTraffic("web", "frontend", 12096000.0, 0.0005, 210.0, 260.0),
            ServiceTraffic("shop", "payments", 3024000.0, 0.021, 640.0, 2400.0),
        ),
        latency_overall=412.0,
        probes=(
            ProbeAvailability("tcp", "orders-db", 0.99603, 1, 40.0, 40.0),
            ProbeAvailability("http", "frontend", 1.0, 0, 0.0, 0.0),
        ),
        alerts=(
            AlertCount("HealthcheckProbeFailed", "critical", 1, 40.0),
            AlertCount("NodeCPUUsageHigh", "warning", 8, 620.0),
        ),
        usage_series=(
            Series("cpu_avg", wave(0.4, 0.2)),
            Series("cpu_max", wave(0.55, 0.25)),
            Series("memory_avg", wave(0.6, 0.03)),
            Series("memory_max", wave(0.7, 0.03)),
        ),
        error_series=(
            Series("haproxy", wave(0.05, 0.01)),
            Series("istio", wave(0.02, 0.01)),
            Series("application", wave(0.1, 0.05)),
        ),
        inventory=Inventory(
            nodes=(
                Node(
                    "node-1",
                    True,
                    False,
                    ("control-plane",),
                    "v1.29.4",
                    "Ubuntu 22.04.4 LTS",
                    4.0,
                    32 * 1024**3,
                    110,
                    (),
                ),
                Node(
                    "node-2",
                    False,
                    True,
                    (),
                    "v1.29.4",
                    "Ubuntu 22.04.4 LTS",
                    8.0,
                    64 * 1024**3,
                    110,
                    ("MemoryPressure",),
                ),
            ),
            pods_by_phase={"shop": {"Running": 10, "Pending": 1}, "kube-system": {"Running": 7}},
        ),
        logs=LogErrors(
            total=5321.0,
            by_service=(("api", 4000.0), ("worker", 1321.0)),
            messages=(
                LogMessage("timeout calling payments after <n> ms", 1200, ("api",)),
                LogMessage("결제 실패: 잔액 부족 (code <n>)", 300, ("worker", "api")),
            ),
            sampled=1500,
            series=Series("errors", wave(30.0, 20.0)),
        ),
        sources={"prometheus": "", "kubernetes": "", "loki": ""},
        links={"grafana": "http://grafana.example:3000"},
        queries=16,
    )


def without(data: ReportData, source: str, reason: str = "cannot reach it") -> ReportData:
    """The same report as if `source` had failed."""
    from reporter.model import SECTION_SOURCE

    missing = {s: reason for s, owner in SECTION_SOURCE.items() if owner == source}
    return replace(
        data, missing={**data.missing, **missing}, sources={**data.sources, source: reason}
    )


def shifted(points: tuple, by: timedelta) -> tuple:
    return tuple((t + by, v) for t, v in points)
