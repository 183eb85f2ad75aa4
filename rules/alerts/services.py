"""Service alerts from Istio's standard metrics: the share of requests answered 5xx, and latency.

They read the per-service series recorded in rules/recording.py, from the reporter chosen in the
config (the server-side sidecar by default). Services below `istio.min_request_rate` stay quiet:
with a handful of requests one error is a large percentage and no trend.
"""

from __future__ import annotations

from rules.alerts import THRESHOLD_ALERTS, levels
from rules.config import RulesConfig
from rules.model import VALUE_MS, Alert, RuleGroup, label, namespace_matcher, num, on, sel
from rules.recording import ISTIO_SERVICE

_REQUESTS = "destination_service:istio_requests:rate5m"


def _busy_enough(cfg: RulesConfig) -> str:
    """`and` clause keeping only services with enough traffic; '' when the guard is off."""
    if cfg.istio.min_request_rate <= 0:
        return ""
    return f"\nand {on(cfg, *ISTIO_SERVICE)}\n{_REQUESTS} >= {num(cfg.istio.min_request_rate)}"


def service_alerts(cfg: RulesConfig) -> RuleGroup:
    t = cfg.thresholds
    ns = namespace_matcher(cfg, "destination_service_namespace")
    service = label("destination_service")
    rules: list[Alert] = []
    name = THRESHOLD_ALERTS["error_rate"]
    ratio = sel("destination_service:istio_requests_5xx:ratio_rate5m", ns)
    for severity, value in levels(t.error_rate):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{ratio} * 100 > {num(value)}{_busy_enough(cfg)}",
                for_=cfg.alert_for[name],
                summary="A service answers too many requests with 5xx errors.",
                description=f"More than {num(value)}% of the requests to {service} have been "
                f"answered with a 5xx for {cfg.alert_for[name]}; now "
                '{{ printf "%.2f" $value }}%.',
                dashboard="services",
            )
        )
    name = THRESHOLD_ALERTS["latency"]
    q = num(cfg.istio.latency_quantile)
    p = f"p{num(cfg.istio.latency_quantile * 100)}"
    quantile = sel(
        "destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile",
        f'quantile="{q}"',
        ns,
    )
    for severity, value in levels(t.latency):
        rules.append(
            Alert(
                name=name,
                severity=severity,
                expr=f"{quantile} > {num(value)}{_busy_enough(cfg)}",
                for_=cfg.alert_for[name],
                summary="A service answers slowly.",
                description=f"The {p} latency of {service} has been above {num(value)} ms for "
                f"{cfg.alert_for[name]}; it is {VALUE_MS}.",
                dashboard="services",
            )
        )
    return RuleGroup(name="istio-services.alerts", file="istio", rules=tuple(rules))
