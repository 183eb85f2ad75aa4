"""What a report knows: `ReportData`, built by `reporter.collect()`, read by renderer, CSV and
narrative.

Plain frozen dataclasses, no behaviour beyond small derived values, so every output (PDF, CSV,
Slack comment, e-mail body, the facts given to Bedrock) is computed from the same numbers.
Ratios are 0-1, CPU in cores, memory in bytes, rates per second, durations in minutes.
A value that could not be had is `None`, never 0: "no data" and "zero" read differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from integrations.kubernetes import Node
from reporter.period import Period

NOT_CONFIGURED = "not configured"
# Sections of the report; each is fed by one source and can be missing on its own.
SECTIONS = (
    "usage",  # cluster and node CPU / memory / disk
    "workloads",  # top pods, containers near limits
    "restarts",
    "traffic",  # 5xx by stage, services' error ratio and latency
    "probes",  # healthcheck availability
    "alerts",
    "comparison",  # the previous period's figures
    "inventory",  # Kubernetes API: nodes, pods by phase
    "logs",  # Loki
)
SECTION_SOURCE = {
    "usage": "prometheus",
    "workloads": "prometheus",
    "restarts": "prometheus",
    "traffic": "prometheus",
    "probes": "prometheus",
    "alerts": "prometheus",
    "comparison": "prometheus",
    "inventory": "kubernetes",
    "logs": "loki",
}


@dataclass(frozen=True)
class Stat:
    avg: float | None = None
    p95: float | None = None
    peak: float | None = None


_BEYOND = {
    ">": lambda v, t: v > t,
    ">=": lambda v, t: v >= t,
    "<": lambda v, t: v < t,
    "<=": lambda v, t: v <= t,
}


@dataclass(frozen=True)
class AlertThreshold:
    """A threshold as the pack's alert pages on it: the report compares with the same values,
    the same way (`op`), and says where they came from (reporter/thresholds.py)."""

    warning: float
    critical: float
    op: str = ">"  # the alert's comparison: a value beyond the threshold this way fires
    for_: str = ""  # how long it must hold, e.g. "15m"
    alert: str = ""  # the alert that states it, e.g. NodeCPUUsageHigh
    source: str = "config"  # "prometheus": its rules as loaded; "config": rules/config.yaml
    # severity -> the alert's expression for it, for the time spent beyond (reporter/peaks.py)
    exprs: Mapping[str, str] = field(default_factory=dict)

    def level(self, value: float | None) -> str:
        """ok | warning | critical, as the alert's two rules would judge `value`."""
        beyond = _BEYOND.get(self.op, _BEYOND[">"])
        if value is None:
            return "ok"
        if beyond(value, self.critical):
            return "critical"
        return "warning" if beyond(value, self.warning) else "ok"


@dataclass(frozen=True)
class Figure:
    """A key figure of the summary with the previous period's value for the change arrow."""

    key: str  # i18n key of its name
    value: float | None
    previous: float | None
    unit: str  # "%", "ms", "count", "ratio"
    lower_is_better: bool = True
    level: str = "ok"  # ok | warning | critical, from the alerts' thresholds
    digits: int = 1  # shown with this many decimals; equal when shown equal

    @property
    def change(self) -> float | None:
        """Relative change (0.1 = +10 %); None without both values or from zero."""
        if self.value is None or self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)

    @property
    def direction(self) -> str:
        """up | down | flat | none: for the arrow."""
        if self.value is None or self.previous is None:
            return "none"
        if round(self.value, self.digits) == round(self.previous, self.digits):
            return "flat"
        return "up" if self.value > self.previous else "down"

    @property
    def better(self) -> bool | None:
        """Whether the change is good news (None when flat or unknown)."""
        if self.direction in ("flat", "none"):
            return None
        return (self.direction == "down") == self.lower_is_better


@dataclass(frozen=True)
class WorstHour:
    """The hour of the period with the highest hourly average, and that average."""

    value: float
    start: datetime


@dataclass(frozen=True)
class NodeUsage:
    instance: str  # node_exporter's `instance`: an address, or already the name
    cpu: Stat
    memory: Stat
    disk: Stat  # its fullest filesystem
    disk_mountpoint: str = ""
    name: str = ""  # the Kubernetes node name, where one is known (reporter/node_names.py)
    cpu_worst_hour: WorstHour | None = None
    memory_worst_hour: WorstHour | None = None

    @property
    def label(self) -> str:
        """How the report names it: the node name, else the instance."""
        return self.name or self.instance

    @property
    def address(self) -> str:
        """The instance, where it says more than the name ("" where it is the name)."""
        return "" if self.instance in ("", self.name) else self.instance


@dataclass(frozen=True)
class PodUsage:
    namespace: str
    pod: str
    node: str
    cpu_avg: float | None
    cpu_peak: float | None
    memory_avg: float | None
    memory_peak: float | None


@dataclass(frozen=True)
class ContainerUsage:
    namespace: str
    pod: str
    container: str
    node: str
    cpu_avg: float | None
    cpu_limit_peak: float | None  # peak share of its CPU limit
    memory_peak: float | None
    memory_limit_peak: float | None

    @property
    def pressure(self) -> float:
        return max(self.cpu_limit_peak or 0.0, self.memory_limit_peak or 0.0)


@dataclass(frozen=True)
class Restarts:
    namespace: str
    pod: str
    container: str
    restarts: int
    oom_kills: int


@dataclass(frozen=True)
class StageErrors:
    stage: str  # haproxy | istio | application
    rate_avg: float | None  # 5xx per second
    rate_peak: float | None
    total: float | None


@dataclass(frozen=True)
class ServiceTraffic:
    namespace: str
    service: str
    requests: float | None  # over the period
    error_ratio: float | None
    latency_avg: float | None  # the configured quantile (p95), ms, averaged over the period
    latency_peak: float | None
    error_worst_hour: WorstHour | None = None  # the 5xx ratio of its worst hour
    latency_worst_hour: WorstHour | None = None


@dataclass(frozen=True)
class Crossing:
    """Time a node or service spent beyond one of its alert's thresholds, as the alert's own
    expression judges it at the rules' 5-minute resolution (reporter/peaks.py)."""

    area: str  # cpu | memory | disk | error_rate | latency
    severity: str  # warning | critical
    subject: str  # the node's name, or namespace/service
    detail: str  # the filesystem's mount point, ""
    minutes: float
    first: datetime  # start of the first 5-minute step beyond
    last: datetime  # end of the last one

    @property
    def where(self) -> str:
        """ "node-3 (/)", "shop/orders"."""
        return f"{self.subject} ({self.detail})" if self.detail else self.subject


@dataclass(frozen=True)
class ProbeAvailability:
    kind: str
    target: str
    availability: float | None  # share of node-probes that succeeded
    failures: int  # times it went from all-good to failing somewhere
    degraded_minutes: float  # some node's probe failed
    down_minutes: float  # every node's probe failed


@dataclass(frozen=True)
class AlertCount:
    alertname: str
    severity: str
    fired: int
    firing_minutes: float


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True)
class LogMessage:
    message: str  # normalised and redacted
    count: int
    services: tuple[str, ...]


@dataclass(frozen=True)
class LogErrors:
    total: float
    by_service: tuple[tuple[str, float], ...]
    messages: tuple[LogMessage, ...]
    sampled: int  # how many lines the top messages were counted from
    series: Series


@dataclass(frozen=True)
class Inventory:
    nodes: tuple[Node, ...]
    pods_by_phase: Mapping[str, Mapping[str, int]]

    @property
    def phase_totals(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for phases in self.pods_by_phase.values():
            for phase, n in phases.items():
                out[phase] = out.get(phase, 0) + n
        return out


@dataclass(frozen=True)
class Narrative:
    text: str
    source: str  # "bedrock" or "rules"
    model: str = ""  # the model or agent that wrote it
    note: str = ""  # why the rule-based summary was used


@dataclass(frozen=True)
class Previous:
    """The previous period's values the key figures compare with; None where there are none
    (a source down then, or too little data to compare with)."""

    cluster_usage: Mapping[str, Stat] | None = None
    stages: tuple[StageErrors, ...] | None = None
    services: tuple[ServiceTraffic, ...] | None = None
    latency_overall: float | None = None
    probes: tuple[ProbeAvailability, ...] | None = None
    alerts: tuple[AlertCount, ...] | None = None
    restarts: tuple[Restarts, ...] | None = None
    log_errors: float | None = None


@dataclass(frozen=True)
class ReportData:
    period: Period
    previous: Period
    cluster: str
    generated_at: datetime
    thresholds: Mapping[str, AlertThreshold]  # cpu | memory | disk | error_rate | latency
    figures: tuple[Figure, ...] = ()
    cluster_usage: Mapping[str, Stat] = field(default_factory=dict)  # cpu | memory | disk
    nodes: tuple[NodeUsage, ...] = ()
    top_pods_cpu: tuple[PodUsage, ...] = ()
    top_pods_memory: tuple[PodUsage, ...] = ()
    containers: tuple[ContainerUsage, ...] = ()
    restarts: tuple[Restarts, ...] = ()
    stages: tuple[StageErrors, ...] = ()
    services: tuple[ServiceTraffic, ...] = ()
    latency_overall: float | None = None
    probes: tuple[ProbeAvailability, ...] = ()
    alerts: tuple[AlertCount, ...] = ()
    crossings: tuple[Crossing, ...] = ()  # critical first, then the longest
    usage_series: tuple[Series, ...] = ()  # cpu_avg, cpu_max, memory_avg, memory_max
    error_series: tuple[Series, ...] = ()  # 5xx per stage
    inventory: Inventory | None = None
    logs: LogErrors | None = None
    missing: Mapping[str, str] = field(default_factory=dict)  # section -> why
    sources: Mapping[str, str] = field(default_factory=dict)  # source -> "" (ok) or why not
    narrative: Narrative | None = None
    links: Mapping[str, str] = field(default_factory=dict)  # grafana, kiali, prometheus
    queries: int = 0  # Prometheus queries made
    comparable: bool = True  # False: the previous period has too little data to compare with
    # section -> "raw" (from raw series only) or "mixed" (raw before the rules recorded)
    raw_sections: Mapping[str, str] = field(default_factory=dict)

    @property
    def failed_sources(self) -> dict[str, str]:
        """Sources that were configured but failed (not those left unconfigured)."""
        return {k: v for k, v in self.sources.items() if v and v != NOT_CONFIGURED}

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)
