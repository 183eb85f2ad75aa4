"""Which series a report reads: the pack's recorded ones, or the raw ones they are recorded from.

A Prometheus that has not run the recording rules over the period (a fresh install, a central
Prometheus, Thanos or VictoriaMetrics without them) still has weeks of raw node_exporter,
cAdvisor, kube-state-metrics and Istio data. Before the report's queries run, one query measures
how much of the period each recorded series covers, and the raw series it is computed from
(`coverage`, to the hour); then each series is read

- recorded, where it covers as much as the raw series (or nearly all the period);
- raw, with the recording rule's own expression (`rules.raw`), where it covers none of it;
- both, `recorded or raw`, where it covers part (recorded from the day of install on): the
  recorded value where it exists, the raw one before.

`SeriesReader.series()` gives an instant vector, `window()` a range vector (a subquery at the
rules' 5-minute resolution when raw), `expand()` rewrites an alert's expression the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from integrations.prometheus import Sample
from reporter.period import Period
from rules import RulesConfig, packaged_config
from rules.model import matchers as join_matchers
from rules.raw import Reference, raw_expression, raw_selectors, rule_groups, substitute

RECORDED = "recorded"
RAW = "raw"
MIXED = "mixed"
RESOLUTION = "5m"  # of the recording rules: the step of every subquery over them
# The step of subqueries over raw series, per kind of period, with `rate()` windows as long: a
# raw month at five minutes is 8,640 evaluations of every rule's joins, too slow to wait for.
RAW_STEPS = {"daily": "5m", "weekly": "15m", "monthly": "1h"}
_SECONDS = {"m": 60, "h": 3600}
COVERAGE_STEP = 3600  # seconds: coverage is told to the hour, cheaply over a month
COVERED = 0.99  # share of the period's steps with a recorded sample that counts as covered

NODE_CPU = "instance:node_cpu_utilisation:rate5m"
NODE_MEMORY = "instance:node_memory_utilisation:ratio"
NODE_DISK = "instance_mountpoint:node_filesystem_used:ratio"
CONTAINER_CPU = "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"
CONTAINER_MEMORY = "node_namespace_pod_container:container_memory_working_set_bytes"
CONTAINER_CPU_LIMIT = "node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m"
CONTAINER_MEMORY_LIMIT = "node_namespace_pod_container:container_memory_working_set_per_limit:ratio"
STAGE_5XX = "stage:http_5xx_responses:rate5m"
SERVICE_REQUESTS = "destination_service:istio_requests:rate5m"
SERVICE_5XX = "destination_service:istio_requests_5xx:rate5m"
SERVICE_5XX_RATIO = "destination_service:istio_requests_5xx:ratio_rate5m"
SERVICE_BUCKETS = "destination_service_le:istio_request_duration_milliseconds_bucket:rate5m"
SERVICE_QUANTILE = (
    "destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile"
)
PROBE_SUCCESS = "kind_target:healthcheck_probe_success:avg"

# The recorded series each section reads: the report says per section where they came from.
SECTION_SERIES: Mapping[str, tuple[str, ...]] = {
    "usage": (NODE_CPU, NODE_MEMORY, NODE_DISK),
    "workloads": (CONTAINER_CPU, CONTAINER_MEMORY, CONTAINER_CPU_LIMIT, CONTAINER_MEMORY_LIMIT),
    "traffic": (
        STAGE_5XX,
        SERVICE_REQUESTS,
        SERVICE_5XX,
        SERVICE_5XX_RATIO,
        SERVICE_BUCKETS,
        SERVICE_QUANTILE,
    ),
    "probes": (PROBE_SUCCESS,),
}
READ = tuple(name for names in SECTION_SERIES.values() for name in names)


@dataclass(frozen=True)
class SeriesReader:
    """Selectors for a period's queries: `extra` matchers (e.g. `cluster="prod"`) in every one,
    and each recorded series read as `modes` says (absent: recorded)."""

    extra: str = ""
    rules: RulesConfig = field(default_factory=packaged_config)
    modes: Mapping[str, str] = field(default_factory=dict)
    step: str = RESOLUTION  # of subqueries over raw series (RAW_STEPS)

    @property
    def resolution(self) -> str:
        """The step of the period's subqueries: the rules' own, unless a series is read raw."""
        return RESOLUTION if set(self.modes.values()) <= {RECORDED} else self.step

    @property
    def resolution_seconds(self) -> int:
        r = self.resolution
        return int(r[:-1]) * _SECONDS[r[-1]]

    def _raw(self, metric: str, matchers: str, offset: str = "") -> str:
        window = "" if self.step == RESOLUTION else self.step
        return raw_expression(self.rules, metric, matchers, offset, window)

    def s(self, metric: str, *matchers: str) -> str:
        """The series as stored, with the extra matchers."""
        inner = join_matchers(*matchers, self.extra)
        return f"{metric}{{{inner}}}" if inner else metric

    def series(self, metric: str, *matchers: str, offset: str = "") -> str:
        """An instant vector of the recorded series `metric`, recorded or computed raw; as of
        `offset` ago when given."""
        mode = self.modes.get(metric, RECORDED)
        selector = self.s(metric, *matchers) + (f" offset {offset}" if offset else "")
        if mode == RECORDED:
            return selector
        raw = self._raw(metric, join_matchers(*matchers, self.extra), offset)
        return raw if mode == RAW else _both(selector, raw)

    def window(self, metric: str, rng: str, *matchers: str) -> str:
        """A range vector (`rng` such as "[1h]") of `metric`: its samples when recorded, a
        subquery at the rules' resolution over the raw expression otherwise."""
        if self.modes.get(metric, RECORDED) == RECORDED:
            return self.s(metric, *matchers) + rng
        return f"{self.series(metric, *matchers)}[{rng.strip('[]')}:{self.step}]"

    def expand(self, expr: str) -> str:
        """An alert's expression reading each recorded series as `series()` would."""

        def one(ref: Reference) -> str:
            mode = self.modes.get(ref.name, RECORDED)
            extra = join_matchers(ref.selectors, self.extra)
            selector = f"{ref.name}{{{extra}}}" if extra else ref.name
            if mode == RECORDED:
                return selector
            raw = self._raw(ref.name, extra)
            return raw if mode == RAW else _both(selector, raw)

        return substitute(expr, self.rules, one)

    # --- how much of a period the recorded series cover -----------------------------------

    def coverage(self, p: Period) -> str:
        """Per recorded series, how many of the period's hours (`COVERAGE_STEP`) end with a
        sample, and as many for the first raw series its rule reads (`raw:<name>`)."""
        sub = p.subquery(f"{COVERAGE_STEP}s")
        counts = {name: f"count_over_time(count({self.s(name)}){sub})" for name in READ}
        for name in READ:
            first = raw_selectors(self.rules, name, self.extra)[0]
            counts[f"raw:{name}"] = f"count_over_time(count({first}){sub})"
        return union(counts, "series")


def _both(selector: str, raw: str) -> str:
    """Recorded where it exists, raw elsewhere. `* 1` drops the recorded series' name, so a
    step of each is the same series to a subquery (or `*_over_time` sees two, and fails)."""
    return f"({selector} * 1 or {raw})"


def modes(samples: Iterable[Sample], p: Period, rules: RulesConfig) -> dict[str, str]:
    """Each recorded series' mode for period `p`, from the `coverage` query's answer.

    Recorded where it covers as much of the period as the raw series it is computed from (a
    young cluster: both start at install, and the recorded series read by range selectors see
    the last minutes too); raw where it covers none of what the raw series cover; both where it
    covers part. A rule group is evaluated as a whole: its best covered series stands for all
    of them (a cluster without a single 5xx has no 5xx series, though the rules ran).
    """
    steps = p.seconds / COVERAGE_STEP
    counted = {s.labels.get("series", ""): s.value for s in samples}
    groups = rule_groups(rules)
    recorded: dict[str, float] = {}
    raw: dict[str, float] = {}
    for name in READ:
        group = groups.get(name, name)
        recorded[group] = max(recorded.get(group, 0.0), counted.get(name, 0.0))
        raw[group] = max(raw.get(group, 0.0), counted.get(f"raw:{name}", 0.0))
    out = {}
    for name in READ:
        group = groups.get(name, name)
        have, could = recorded[group], raw[group]
        if have >= min(could, steps * COVERED) or have >= could - 1:
            out[name] = RECORDED
        else:
            out[name] = RAW if have == 0 else MIXED
    return out


def section_sources(by_series: Mapping[str, str]) -> dict[str, str]:
    """Per section, "raw" or "mixed" when any series it reads was not read recorded."""
    out = {}
    for section, names in SECTION_SERIES.items():
        found = {by_series.get(n, RECORDED) for n in names}
        if RAW in found and found <= {RAW}:
            out[section] = RAW
        elif found - {RECORDED}:
            out[section] = MIXED
    return out


def union(parts: Mapping[str, str], label: str = "stat") -> str:
    """`label_replace(A, "stat", "a", "", "") or label_replace(B, "stat", "b", "", "") ...`: one
    query answering several columns, told apart by `label`."""
    return " or ".join(
        f'label_replace({expr}, "{label}", "{name}", "", "")' for name, expr in parts.items()
    )
