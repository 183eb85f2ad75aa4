"""The timing of the probe page: the `healthcheck:` settings, the window HealthcheckProbeFailed
reads, and the time to page they give.

A sample enters Prometheus when its scrape ends, but carries the time the scrape started, and a
scrape ends within its timeout. So a window of `probe_failed_scrapes` scrape intervals plus one
scrape timeout, read at any evaluation, always holds the last `probe_failed_scrapes` samples that
have arrived: "no success in the window, and at least that many samples" means that many failed
scrapes in a row, whatever the evaluation's phase against the scrapes. One failed scrape (a blip
shorter than a scrape interval) is followed by a success that arrives before the failed sample's
predecessor leaves the window, so it never pages. rules/README.md works through the whole budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.settings import HealthcheckSettings
from rules.validation import Validator
from runtime.durations import is_prometheus_duration, parse_duration

KEYS = (
    "scrape_interval",
    "scrape_timeout",
    "probe_failed_scrapes",
    "probe_group_interval",
    "probe_failed_node_ratio",
)
_DURATION = "a Prometheus duration such as 2s or 1500ms"


def parse_healthcheck(v: Validator, data: Any) -> HealthcheckSettings:
    """The `healthcheck:` section; problems go to `v`, each with its key."""
    raw = v.mapping(data, "healthcheck", KEYS)
    durations = {}
    for key in ("scrape_interval", "scrape_timeout", "probe_group_interval"):
        durations[key] = str(v.check(raw.get(key), f"healthcheck.{key}", _is_positive, _DURATION))
    interval, timeout = raw.get("scrape_interval"), raw.get("scrape_timeout")
    positive = _is_positive(interval) and _is_positive(timeout)
    if positive and parse_duration(timeout) > parse_duration(interval):
        # Prometheus refuses such a scrape config, and the window would be too short.
        v.problem(
            "healthcheck.scrape_timeout",
            f"expected at most scrape_interval ({interval}), got {timeout}",
        )
    scrapes = v.check(
        raw.get("probe_failed_scrapes"),
        "healthcheck.probe_failed_scrapes",
        lambda x: isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 10,
        "a whole number from 1 to 10 (2: one failed scrape never pages)",
    )
    ratio = v.number(
        raw.get("probe_failed_node_ratio"),
        "healthcheck.probe_failed_node_ratio",
        0.0,
        1.0,
        "a fraction above 0 and at most 1",
    )
    return HealthcheckSettings(
        **durations,
        probe_failed_scrapes=scrapes if isinstance(scrapes, int) else 0,
        probe_failed_node_ratio=ratio,
    )


def _is_positive(value: Any) -> bool:
    return is_prometheus_duration(value) and parse_duration(value) > 0


def prometheus_duration(seconds: float) -> str:
    """5.0 -> '5s', 5.5 -> '5500ms': what a range selector takes (no fractions in Prometheus)."""
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def failed_window(h: HealthcheckSettings) -> str:
    """The range HealthcheckProbeFailed reads: scrapes x interval + one scrape timeout."""
    seconds = h.probe_failed_scrapes * parse_duration(h.scrape_interval)
    return prometheus_duration(seconds + parse_duration(h.scrape_timeout))


@dataclass(frozen=True)
class PageBudget:
    """Seconds from a port going down to the alert firing in Prometheus, by stage; the stages
    after it (Alertmanager, the receiver, Slack) are measured, not configured."""

    until_probed: float  # the next scrape's probe: 0 .. scrape interval
    more_scrapes: float  # the failed scrapes in a row after the first
    arrival: float  # the last of them arrives within one scrape timeout (the window's margin)
    evaluation: float  # until the probe group's next evaluation: 0 .. its interval
    for_: float  # the alert's `for`

    @property
    def worst(self) -> float:
        return self.until_probed + self.more_scrapes + self.arrival + self.evaluation + self.for_

    @property
    def typical(self) -> float:
        """Halfway through the two waits whose phase is chance."""
        return self.worst - self.until_probed / 2 - self.evaluation / 2


def page_budget(h: HealthcheckSettings, alert_for: str) -> PageBudget:
    interval = parse_duration(h.scrape_interval)
    return PageBudget(
        until_probed=interval,
        more_scrapes=(h.probe_failed_scrapes - 1) * interval,
        arrival=parse_duration(h.scrape_timeout),
        evaluation=parse_duration(h.probe_group_interval),
        for_=parse_duration(alert_for),
    )
