"""HAProxy alerts from the healthcheck exporter's reading of the HAProxy stats page.

Every exporter pod (one per node) reads the same stats page, so the series are deduplicated with
`max by` over nodes: HAProxy's own view of its servers does not depend on who asks. HAProxy
already debounces with its health checks' `fall` count, so `for` stays short.
"""

from __future__ import annotations

from rules.config import RulesConfig
from rules.model import Alert, RuleGroup, by, label, sel


def _go_string(text: str) -> str:
    """Quote text as a Go template string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def haproxy_alerts(cfg: RulesConfig) -> RuleGroup:
    hc = cfg.selectors.healthcheck_exporter
    check = sel(
        "healthcheck_haproxy_server_check_status",
        hc,
        "target=%q",
        "proxy=%q",
        "server=%q",
    )
    last_check = (
        f"{{{{ with printf {_go_string(check + ' == 1')} $labels.target $labels.proxy "
        '$labels.server | query }}{{ . | first | label "check_status" }}'
        "{{ else }}unknown{{ end }}"
    )
    where = f"HAProxy {label('target')}"
    return RuleGroup(
        name="haproxy.alerts",
        file="haproxy",
        rules=(
            Alert(
                name="HAProxyServerDown",
                severity="warning",
                expr=f"max {by(cfg, 'target', 'proxy', 'server')} "
                f"({sel('healthcheck_haproxy_server_up', hc)}) == 0",
                for_=cfg.alert_for["HAProxyServerDown"],
                summary="An HAProxy server is down.",
                description=f"{where} has marked server {label('server')} of backend "
                f"{label('proxy')} down (or in maintenance) for "
                f"{cfg.alert_for['HAProxyServerDown']}; last health check: {last_check}.",
                dashboard="haproxy",
            ),
            Alert(
                name="HAProxyBackendDown",
                severity="critical",
                expr=f"max {by(cfg, 'target', 'proxy')} "
                f"({sel('healthcheck_haproxy_backend_up', hc)}) == 0",
                for_=cfg.alert_for["HAProxyBackendDown"],
                summary="An HAProxy backend has no server up.",
                description=f"{where} has had no server up in backend {label('proxy')} for "
                f"{cfg.alert_for['HAProxyBackendDown']}: it answers its requests with 503.",
                dashboard="haproxy",
            ),
        ),
    )
