"""HAProxy: backends and servers as HAProxy's own health checks see them, and its traffic.

Where HAProxyServerDown and HAProxyBackendDown link (file haproxy.json). The healthcheck
exporter reads HAProxy's stats page from every node, so every series is deduplicated with `max`
over nodes, as the rules do. `backend` selects HAProxy proxies that have servers.
"""

from __future__ import annotations

from grafana import queries
from grafana.layout import Row, build_dashboard
from grafana.panels import UP_DOWN, Link, stat_panel, state_timeline_panel, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import promql
from grafana.variables import cluster, cluster_matcher, label_values, prometheus_datasource
from rules import runbook_url
from rules.model import sel

KEY = "haproxy"
DOWN_RED = [(None, "green"), (1, "red")]
DOWN_ORANGE = [(None, "green"), (1, "orange")]


def build(s: GrafanaSettings) -> model.Dashboard:
    hc, cm = s.rules.selectors.healthcheck_exporter, cluster_matcher(s)
    target, backend = 'target=~"$target"', 'proxy=~"$backend"'
    backends = (
        f"max by (target, proxy) ({sel('healthcheck_haproxy_backend_up', hc, cm, target, backend)})"
    )
    servers = (
        "max by (target, proxy, server) ("
        + sel("healthcheck_haproxy_server_up", hc, cm, target, backend)
        + ")"
    )

    own_5xx = sel(queries.STAGE_5XX, cm, 'stage="haproxy"')

    def runbook(name: str) -> Link:
        return Link(f"Runbook: {name}", runbook_url(name, s.rules), new_tab=True)

    def rate(metric: str, *matchers: str) -> str:
        return f"rate({sel(metric, hc, cm, target, *matchers)}[$__rate_interval])"

    now = Row(
        "Now",
        [
            stat_panel(
                "Backends down",
                "Backends with no server up: HAProxy answers their requests with 503 "
                f"(HAProxyBackendDown pages after {s.alert_for('HAProxyBackendDown')}).",
                "0.",
                [promql(f"count({backends} == 0) or vector(0)", "backends", instant=True)],
                unit="short",
                steps=DOWN_RED,
                background=True,
                links=[runbook("HAProxyBackendDown")],
            ),
            stat_panel(
                "Servers down",
                "Servers HAProxy marks DOWN, NOLB or MAINT (HAProxyServerDown warns after "
                f"{s.alert_for('HAProxyServerDown')}); the others carry their load.",
                "0, or the servers you put in maintenance.",
                [promql(f"count({servers} == 0) or vector(0)", "servers", instant=True)],
                unit="short",
                steps=DOWN_ORANGE,
                background=True,
                links=[runbook("HAProxyServerDown")],
            ),
            stat_panel(
                "Servers up",
                "Servers HAProxy sends traffic to.",
                "every server you expect to serve.",
                [promql(f"count({servers} == 1) or vector(0)", "servers", instant=True)],
                unit="short",
            ),
            stat_panel(
                "5xx HAProxy made itself",
                "5xx per second the HAProxy stage made (no server available, timeouts), "
                "cluster-wide: the frontends' 5xx minus those their servers returned.",
                "0.",
                [promql(f"sum({own_5xx})", "5xx/s", instant=True)],
                unit="reqps",
                steps=[(None, "green"), (0.01, "orange")],
                decimals=2,
                links=[Link("5xx by stage", f"{s.link('errors-by-stage')}?${{__url_time_range}}")],
            ),
        ],
    )
    states = Row(
        "Backends and servers",
        [
            state_timeline_panel(
                "Backends",
                "Each backend: UP while at least one of its servers is.",
                "all UP.",
                [promql(backends, "{{target}} {{proxy}}")],
                mappings=[UP_DOWN],
                steps=[(None, "red"), (1, "green")],
                links=[runbook("HAProxyBackendDown")],
                width=12,
                height=6,
            ),
            state_timeline_panel(
                "Servers",
                "Each server as HAProxy's health checks see it: UP (also DRAIN and no check), "
                "DOWN (also NOLB and MAINT).",
                "all UP; a server flapping between states fails its checks intermittently.",
                [promql(servers, "{{target}} {{proxy}}/{{server}}")],
                mappings=[UP_DOWN],
                steps=[(None, "red"), (1, "green")],
                links=[runbook("HAProxyServerDown")],
                width=12,
                height=6,
            ),
            table_panel(
                "Server health checks",
                "Each server's state and the status of HAProxy's last health check of it: L4OK/"
                "L7OK passed, L4CON connection refused, L4TOUT/L7TOUT timed out, L7STS bad HTTP "
                "status, SOCKERR socket error.",
                "every server UP with L4OK or L7OK.",
                [
                    promql(servers, ref="A", instant=True, table_=True),
                    promql(
                        "max by (target, proxy, server, check_status) ("
                        + sel("healthcheck_haproxy_server_check_status", hc, cm, target, backend)
                        + ")",
                        ref="B",
                        instant=True,
                        table_=True,
                    ),
                ],
                columns=[
                    Column("target", "HAProxy"),
                    Column("proxy", "Backend"),
                    Column("server", "Server"),
                    Column("#A", "State", mappings=(UP_DOWN,), steps=[(None, "red"), (1, "green")]),
                    Column("check_status", "Last check"),
                ],
            ),
        ],
    )
    traffic = Row(
        "Traffic (raw exporter counters: last hours)",
        [
            timeseries_panel(
                "Frontend responses by code",
                "Responses per second of each frontend by status class.",
                "2xx/3xx dominate and 5xx stay near zero.",
                [
                    promql(
                        "max by (target, proxy, code) ("
                        + rate("healthcheck_haproxy_frontend_http_responses_total")
                        + ")",
                        "{{target}} {{proxy}} {{code}}",
                    )
                ],
                unit="reqps",
                min_=0,
            ),
            timeseries_panel(
                "Server 5xx",
                "5xx per second each server answered, which HAProxy passed on.",
                "near zero; one server standing out is the one to take out of rotation.",
                [
                    promql(
                        "max by (target, proxy, server) ("
                        + rate(
                            "healthcheck_haproxy_server_http_responses_total", backend, 'code="5xx"'
                        )
                        + ")",
                        "{{target}} {{proxy}}/{{server}}",
                    )
                ],
                unit="reqps",
                min_=0,
            ),
        ],
    )
    series = sel("healthcheck_haproxy_backend_up", hc)
    return build_dashboard(
        s,
        KEY,
        title="HAProxy",
        description="HAProxy backends and servers as its health checks see them; its traffic.",
        rows=[now, states, traffic],
        variables=[
            prometheus_datasource(),
            cluster(s, series),
            label_values(
                "target",
                sel("healthcheck_haproxy_backend_up", hc, cm),
                title="HAProxy",
                description="The exporter's haproxy targets (one per stats page).",
            ),
            label_values(
                "backend",
                sel("healthcheck_haproxy_backend_up", hc, cm, target),
                "proxy",
                title="Backend",
            ),
        ],
        time_from="now-3h",
        refresh="30s",
    )
