"""The PromQL the report runs: few queries, each answering a whole table.

A report needs dozens of figures (avg/p95/peak of three resources per node, four per pod, ...).
One query per figure would be 60+ round trips per period; instead each table is one query, its
columns joined with `or` and told apart by a `stat` label (`label_replace`, which adds a label
without touching values). Per period that is nine instant queries plus one range query for the
charts (and one more for the top pods' peaks), and six instant queries for the previous
period's key figures; reporter/peaks.py adds the worst hours and threshold crossings.

The report reads the pack's recorded series (rules/generated/*.rules.yaml) where they cover the
period, and the raw series they are recorded from where they do not (reporter/series.py): the
node, container, Istio, 5xx-by-stage and probe series. Only restarts and `ALERTS` are read as
they are. Peaks of sums (cluster, pod) use subqueries at the recording rules' 5m resolution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reporter.period import Period
from reporter.series import (
    CONTAINER_CPU,
    CONTAINER_CPU_LIMIT,
    CONTAINER_MEMORY,
    CONTAINER_MEMORY_LIMIT,
    NODE_CPU,
    NODE_DISK,
    NODE_MEMORY,
    PROBE_SUCCESS,
    SERVICE_5XX,
    SERVICE_BUCKETS,
    SERVICE_QUANTILE,
    SERVICE_REQUESTS,
    STAGE_5XX,
    SeriesReader,
    union,
)
from rules.validation import parse_matchers

RESTARTS = "kube_pod_container_status_restarts_total"
LAST_TERMINATED = "kube_pod_container_status_last_terminated_reason"
ALERTS = "ALERTS"
WATCHDOGS = "Watchdog|HealthcheckWatchdog|InfoInhibitor"
SVC = "destination_service_namespace, destination_service_name"


def check_matchers(text: str) -> str:
    """`a="x", b=~"y"` or empty: extra matchers added to every series the report reads."""
    text = text.strip().strip(",")
    parse_matchers(text)  # ValueError says what is wrong
    return text


@dataclass(frozen=True)
class Queries(SeriesReader):
    """Builds each query for a period; `extra` matchers (e.g. `cluster="prod"`) go into every
    selector; the rules config gives kube-state-metrics' selector, the latency quantile the
    rules record, and the raw expressions (reporter/series.py)."""

    @property
    def ksm(self) -> str:
        return self.rules.selectors.kube_state_metrics

    @property
    def quantile(self) -> float:
        return self.rules.istio.latency_quantile

    # --- instant queries, evaluated at the period's end -------------------------------------

    def nodes(self, p: Period) -> str:
        r = p.range()
        parts = {}
        for name, metric in (("cpu", NODE_CPU), ("memory", NODE_MEMORY), ("disk", NODE_DISK)):
            window = self.window(metric, r)
            parts[f"{name}_avg"] = f"avg_over_time({window})"
            parts[f"{name}_p95"] = f"quantile_over_time(0.95, {window})"
            parts[f"{name}_peak"] = f"max_over_time({window})"
        return union(parts)

    def cluster(self, p: Period) -> str:
        """Cluster-wide: CPU and memory averaged over nodes, disk of the fullest filesystem."""
        sub = p.subquery(self.resolution)
        parts = {}
        for name, agg, metric in (
            ("cpu", "avg", NODE_CPU),
            ("memory", "avg", NODE_MEMORY),
            ("disk", "max", NODE_DISK),
        ):
            inner = f"{agg}({self.series(metric)})"
            parts[f"{name}_avg"] = f"avg_over_time({inner}{sub})"
            parts[f"{name}_p95"] = f"quantile_over_time(0.95, {inner}{sub})"
            parts[f"{name}_peak"] = f"max_over_time({inner}{sub})"
        # How many 5-minute steps had data: a period Prometheus barely covers (the pack was
        # installed last week) is no base for a comparison.
        parts["coverage"] = f"count_over_time(avg({self.series(NODE_CPU)}){sub})"
        return union(parts)

    def pods(self, p: Period) -> str:
        """Every pod's average CPU and memory (cheap: no subquery)."""
        r = p.range()
        by = "sum by (namespace, pod, node)"
        cpu, mem = self.window(CONTAINER_CPU, r), self.window(CONTAINER_MEMORY, r)
        return union(
            {
                "cpu_avg": f"{by} (avg_over_time({cpu}))",
                "memory_avg": f"{by} (avg_over_time({mem}))",
            }
        )

    def pod_peaks(self, p: Period, pods: Iterable[str]) -> str:
        """Peak CPU and memory of the named pods: the peak of a sum over a pod's containers
        needs a subquery, so it is asked only for the top pods (a month of 500 pods' subqueries
        takes Prometheus 15 s or more)."""
        sub = p.subquery(self.resolution)
        by = "sum by (namespace, pod, node)"
        only = f'pod=~"{alternation(pods)}"'
        cpu, mem = self.series(CONTAINER_CPU, only), self.series(CONTAINER_MEMORY, only)
        return union(
            {
                "cpu_peak": f"max_over_time({by} ({cpu}){sub})",
                "memory_peak": f"max_over_time({by} ({mem}){sub})",
            }
        )

    def containers(self, p: Period) -> str:
        """CPU against limits; `container_memory` the same for memory. Two queries rather than
        one, so Prometheus evaluates them on two cores: over raw series they are the report's
        slowest."""
        r = p.range()
        by = "max by (namespace, pod, container, node)"
        return union(
            {
                "cpu_avg": f"{by} (avg_over_time({self.window(CONTAINER_CPU, r)}))",
                "cpu_limit_peak": f"{by} (max_over_time({self.window(CONTAINER_CPU_LIMIT, r)}))",
            }
        )

    def container_memory(self, p: Period) -> str:
        r = p.range()
        by = "max by (namespace, pod, container, node)"
        return union(
            {
                "memory_peak": f"{by} (max_over_time({self.window(CONTAINER_MEMORY, r)}))",
                "memory_limit_peak": (
                    f"{by} (max_over_time({self.window(CONTAINER_MEMORY_LIMIT, r)}))"
                ),
            }
        )

    def restarts(self, p: Period) -> str:
        """Restarts in the period; OOM kills are the restarts of containers whose last
        termination in the period was OOMKilled (kube-state-metrics keeps only the last)."""
        r = p.range()
        by = "sum by (namespace, pod, container)"
        increase = f"{by} (increase({self.s(RESTARTS, self.ksm)}{r}))"
        last = self.s(LAST_TERMINATED, self.ksm, 'reason="OOMKilled"')
        oom = f"max_over_time({last}{r})"
        return union(
            {
                "restarts": f"{increase} > 0",
                "oom_kills": f"({increase} > 0) and on (namespace, pod, container) "
                f"(max by (namespace, pod, container) ({oom}) == 1)",
            }
        )

    def stages(self, p: Period) -> str:
        window = self.window(STAGE_5XX, p.range())
        return union(
            {
                "rate_avg": f"sum by (stage) (avg_over_time({window}))",
                "rate_peak": f"max by (stage) (max_over_time({window}))",
            }
        )

    def services(self, p: Period) -> str:
        r = p.range()
        q = self.window(SERVICE_QUANTILE, r, f'quantile="{self.quantile:g}"')
        buckets = f"sum by (le) (avg_over_time({self.window(SERVICE_BUCKETS, r)}))"
        return union(
            {
                "requests": f"sum by ({SVC}) (avg_over_time({self.window(SERVICE_REQUESTS, r)}))",
                "errors": f"sum by ({SVC}) (avg_over_time({self.window(SERVICE_5XX, r)}))",
                "latency_avg": f"max by ({SVC}) (avg_over_time({q}))",
                "latency_peak": f"max by ({SVC}) (max_over_time({q}))",
                "latency_overall": f"histogram_quantile({self.quantile:g}, {buckets})",
            }
        )

    def probes(self, p: Period) -> str:
        r, sub = p.range(), p.subquery("1m")
        sel, before = self.series(PROBE_SUCCESS), self.series(PROBE_SUCCESS, offset="1m")
        by = "max by (kind, target)"
        starts = f"({sel} < 1) unless ({before} < 1)"
        return union(
            {
                "availability": f"{by} (avg_over_time({self.window(PROBE_SUCCESS, r)}))",
                "degraded": f"{by} (count_over_time(({sel} < 1){sub}))",
                "down": f"{by} (count_over_time(({sel} == 0){sub}))",
                "failures": f"{by} (count_over_time(({starts}){sub}))",
            }
        )

    def alerts(self, p: Period) -> str:
        sub = p.subquery("1m")
        sel = self.s(ALERTS, 'alertstate="firing"', f'alertname!~"{WATCHDOGS}"')
        by = "sum by (alertname, severity)"
        return union(
            {
                "fired": f"{by} (count_over_time(({sel} unless {sel} offset 1m){sub}))",
                "minutes": f"count_over_time(max by (alertname, severity) ({sel}){sub})",
            }
        )

    # --- the range query for the charts ---------------------------------------------------

    def charts(self, p: Period) -> str:
        w = f"[{int(p.step.total_seconds())}s]"
        cpu, mem = self.window(NODE_CPU, w), self.window(NODE_MEMORY, w)
        return union(
            {
                "cpu_avg": f"avg(avg_over_time({cpu}))",
                "cpu_max": f"max(avg_over_time({cpu}))",
                "memory_avg": f"avg(avg_over_time({mem}))",
                "memory_max": f"max(avg_over_time({mem}))",
                "5xx": f"sum by (stage) (avg_over_time({self.window(STAGE_5XX, w)}))",
            },
            label="series",
        )


def alternation(values: Iterable[str]) -> str:
    """A regular expression matching exactly these values (Prometheus anchors it), written as
    the inside of a PromQL string: RE2 escapes first, then the string literal's."""
    regex = "|".join(re.sub(r"([^A-Za-z0-9_-])", r"\\\1", v) for v in sorted(set(values)))
    return regex.replace("\\", "\\\\").replace('"', '\\"')
