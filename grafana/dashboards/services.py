"""Errors & latency: per-service 5xx ratio and latency against the thresholds, and error logs.

Where ServiceErrorRateHigh and ServiceLatencyHigh link (file services.json). Prometheus panels
read the pack's recorded Istio series, from the `istio.reporter` sidecar's view the alerts use;
the logs row reads Loki with the reporter's error filter. Service names link to Kiali.
"""

from __future__ import annotations

from grafana import queries
from grafana.layout import Row, build_dashboard
from grafana.panels import Link, logs_panel, stat_panel, threshold_steps, timeseries_panel
from grafana.sdk import model
from grafana.settings import GrafanaSettings
from grafana.tables import Column, table_panel
from grafana.targets import LOKI, logql, promql
from grafana.variables import (
    cluster,
    cluster_matcher,
    label_values,
    loki_datasource,
    prometheus_datasource,
)
from rules import runbook_url
from rules.model import num, sel

KEY = "services"
REQUESTS = "destination_service:istio_requests:rate5m"
ERRORS = "destination_service:istio_requests_5xx:rate5m"
RATIO = "destination_service:istio_requests_5xx:ratio_rate5m"
QUANTILE = "destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile"
SERVICE = "destination_service_namespace, destination_service_name"
LEGEND = "{{destination_service_namespace}}/{{destination_service_name}}"


def build(s: GrafanaSettings) -> model.Dashboard:
    t, cm, istio = s.thresholds, cluster_matcher(s), s.rules.istio
    f = ('destination_service_namespace=~"$namespace"', 'destination_service_name=~"$service"')
    requests, errors, ratio = (sel(m, cm, *f) for m in (REQUESTS, ERRORS, RATIO))

    def quantile(q: float) -> str:
        return sel(QUANTILE, cm, *f, f'quantile="{num(q)}"')

    alert_q = quantile(istio.latency_quantile)
    p_alert = f"p{num(istio.latency_quantile * 100)}"
    kiali = Link(
        "Open in Kiali",
        s.kiali(
            "namespaces/${__field.labels.destination_service_namespace}"
            "/services/${__field.labels.destination_service_name}"
        ),
        new_tab=True,
    )
    kiali_row = Link(
        "Open in Kiali",
        s.kiali("namespaces/${__data.fields.Namespace}/services/${__data.fields.Service}"),
        new_tab=True,
    )
    guard = f"and on ({s.cluster_label}, {SERVICE}, destination_service)\n{requests}"
    if istio.min_request_rate > 0:
        guard += f" >= {num(istio.min_request_rate)}"
    else:
        guard = ""

    now = Row(
        "Now",
        [
            stat_panel(
                "Requests per second",
                "Requests per second to the selected services, as their own sidecars count them.",
                "steady, and close to what this hour usually looks like.",
                [promql(f"sum({requests})", "requests/s", instant=True)],
                unit="reqps",
                width=6,
            ),
            stat_panel(
                "5xx ratio",
                "Share of the selected services' requests answered with a 5xx, all together.",
                f"under {t.error_rate.warning:g}% (the warning threshold).",
                [
                    promql(
                        f"(sum({errors}) or vector(0)) / sum({requests}) * 100",
                        "5xx",
                        instant=True,
                    )
                ],
                unit="percent",
                steps=threshold_steps(t.error_rate),
                decimals=2,
                width=6,
            ),
            stat_panel(
                "Services over the error threshold",
                f"Services whose 5xx ratio is above {t.error_rate.warning:g}% now with at "
                f"least {num(istio.min_request_rate)} requests/s: what ServiceErrorRateHigh "
                f"watches (it fires after {s.alert_for('ServiceErrorRateHigh')}).",
                "0.",
                [
                    promql(
                        f"count(\n{ratio} * 100 > {num(t.error_rate.warning)}\n{guard}\n)"
                        " or vector(0)",
                        "services",
                        instant=True,
                    )
                ],
                unit="short",
                steps=[(None, "green"), (1, "orange")],
                background=True,
                width=6,
            ),
            stat_panel(
                f"Slowest {p_alert}",
                f"The highest {p_alert} latency among the selected services.",
                f"under {t.latency.warning:g} ms.",
                [promql(f"max({alert_q})", p_alert, instant=True)],
                unit="ms",
                steps=threshold_steps(t.latency),
                width=6,
            ),
        ],
    )
    errors_row = Row(
        "Errors",
        [
            timeseries_panel(
                "5xx ratio per service",
                "Share of each service's requests answered 5xx (5m rate), with the alert "
                "thresholds dashed. Services without any 5xx have no line. A line opens Kiali.",
                "no line above the orange threshold for more than a few minutes.",
                [promql(f"{ratio} * 100", LEGEND)],
                unit="percent",
                steps=threshold_steps(t.error_rate),
                min_=0,
                soft_max=t.error_rate.critical * 1.25,
                legend_table=True,
                links=[
                    Link(
                        "Runbook: ServiceErrorRateHigh",
                        runbook_url("ServiceErrorRateHigh", s.rules),
                        new_tab=True,
                    )
                ],
                data_links=[kiali],
            ),
            timeseries_panel(
                "5xx responses by stage",
                "5xx per second, cluster-wide, by where they arose: `haproxy` (the edge itself), "
                "`istio` (an Envoy: no upstream, timeout, retries exhausted), `application` "
                "(the service answered 5xx).",
                "near zero; the stage that grows says whom to call. Details: 5xx by stage.",
                [promql(queries.stage_5xx(s), "{{stage}}")],
                unit="reqps",
                stack=True,
                min_=0,
                links=[Link("5xx by stage", f"{s.link('errors-by-stage')}?${{__url_time_range}}")],
            ),
        ],
    )
    quantiles = "|".join(num(q) for q in istio.recorded_quantiles)
    latency_row = Row(
        "Latency",
        [
            timeseries_panel(
                f"{p_alert} latency per service",
                f"The {p_alert} request duration of each service (from its sidecar's "
                "histogram, 5m rate), with the alert thresholds dashed.",
                "under the orange line; a step up after a deploy points at the release.",
                [promql(alert_q, LEGEND)],
                unit="ms",
                steps=threshold_steps(t.latency),
                min_=0,
                soft_max=t.latency.critical * 1.25,
                legend_table=True,
                links=[
                    Link(
                        "Runbook: ServiceLatencyHigh",
                        runbook_url("ServiceLatencyHigh", s.rules),
                        new_tab=True,
                    )
                ],
                data_links=[kiali],
            ),
            timeseries_panel(
                "Latency quantiles",
                f"Quantiles {', '.join(num(q) for q in istio.recorded_quantiles)} of each "
                "selected service's request duration: a wide gap between them means a slow tail.",
                "all under the thresholds; pick one service in the variable to read it easily.",
                [
                    promql(
                        sel(QUANTILE, cm, *f, f'quantile=~"{quantiles}"'),
                        "{{destination_service_name}} q{{quantile}}",
                    )
                ],
                unit="ms",
                steps=threshold_steps(t.latency),
                min_=0,
            ),
        ],
    )
    traffic_row = Row(
        "Traffic",
        [
            timeseries_panel(
                "Requests per second per service",
                "Requests per second to each service, as its own sidecar counts them.",
                "the usual daily shape; a sudden drop to zero is an outage upstream.",
                [promql(requests, LEGEND)],
                unit="reqps",
                min_=0,
                legend_table=True,
                data_links=[kiali],
            ),
            table_panel(
                "Services",
                "Each service now: requests/s, 5xx ratio and latency quantiles, coloured by "
                "the alert thresholds. A service name opens it in Kiali.",
                "green cells.",
                [
                    promql(f"sum by ({SERVICE}) ({requests})", ref="A", instant=True, table_=True),
                    promql(
                        f"max by ({SERVICE}) ({ratio}) * 100", ref="B", instant=True, table_=True
                    ),
                    *[
                        promql(
                            f"max by ({SERVICE}) ({quantile(q)})",
                            ref=ref,
                            instant=True,
                            table_=True,
                        )
                        for ref, q in zip("CDE", istio.recorded_quantiles, strict=False)
                    ],
                ],
                columns=[
                    Column("destination_service_namespace", "Namespace"),
                    Column("destination_service_name", "Service", links=(kiali_row,)),
                    Column("#A", "Requests/s", "reqps", decimals=2),
                    Column("#B", "5xx %", "percent", threshold_steps(t.error_rate), 2),
                    *[
                        Column(
                            f"#{ref}",
                            f"q{num(q)}",
                            "ms",
                            threshold_steps(t.latency) if q == istio.latency_quantile else None,
                            0,
                        )
                        for ref, q in zip("CDE", istio.recorded_quantiles, strict=False)
                    ],
                ],
                sort_by="5xx %",
                width=12,
            ),
        ],
    )
    app = s.loki.service_label
    logs_row = Row(
        "Error logs (Loki)",
        [
            stat_panel(
                "Error lines today",
                "Log lines matching the error filter in the selected namespaces since midnight "
                "(dashboard time zone).",
                "about what a normal day has; compare with yesterday's at the same hour.",
                [
                    logql(
                        f"sum(count_over_time({queries.error_lines(s)} [$__range]))",
                        "error lines",
                        instant=True,
                    )
                ],
                unit="short",
                datasource=LOKI,
                time_from="now/d",
                width=6,
                height=8,
            ),
            timeseries_panel(
                "Error lines per app",
                f"Log lines matching `{s.loki.error_filter}` per namespace and `{app}` label.",
                "flat and low; a spike that lines up with a 5xx spike names the culprit.",
                [
                    logql(
                        queries.error_counts(s, f"namespace, {app}", "$__auto"),
                        f"{{{{namespace}}}}/{{{{{app}}}}}",
                    )
                ],
                unit="short",
                datasource=LOKI,
                bars=True,
                min_=0,
                width=18,
            ),
            table_panel(
                "Error lines by service",
                f"Error lines per namespace and `{app}` in the selected time range.",
                "short, with counts you recognise; a new name at the top is worth a look.",
                [
                    logql(
                        f"sort_desc({queries.error_counts(s, f'namespace, {app}', '$__range')})",
                        instant=True,
                    )
                ],
                columns=[
                    Column("namespace", "Namespace"),
                    Column(app, "App"),
                    Column("#A", "Error lines", "short"),
                ],
                datasource=LOKI,
                sort_by="Error lines",
                width=8,
                height=10,
            ),
            table_panel(
                "Top error messages",
                "The most frequent error lines in the range, by their first "
                f"{queries.MESSAGE_PREFIX_CHARS} characters with numbers masked as 0, so one "
                "message with different IDs counts once.",
                "few distinct messages, none new since the last deploy.",
                [logql(queries.top_error_messages(s), instant=True)],
                columns=[
                    Column("message", "Message"),
                    Column("namespace", "Namespace"),
                    Column(app, "App"),
                    Column("#A", "Lines", "short"),
                ],
                datasource=LOKI,
                sort_by="Lines",
                width=16,
                height=10,
            ),
            logs_panel(
                "Error logs",
                "The newest error lines of the selected namespaces; expand a line for its labels "
                "(pod, container) and use them in Explore for the lines around it.",
                "few lines, and none repeating every second.",
                queries.error_lines(s),
            ),
        ],
    )
    rec = sel(REQUESTS)
    return build_dashboard(
        s,
        KEY,
        title="Errors & latency",
        description="Per-service 5xx ratio and latency against the alert thresholds; error logs.",
        rows=[now, errors_row, latency_row, traffic_row, logs_row],
        variables=[
            prometheus_datasource(),
            loki_datasource(),
            cluster(s, rec),
            label_values(
                "namespace", sel(REQUESTS, cm), "destination_service_namespace", title="Namespace"
            ),
            label_values(
                "service",
                sel(REQUESTS, cm, 'destination_service_namespace=~"$namespace"'),
                "destination_service_name",
                title="Service",
            ),
        ],
    )
