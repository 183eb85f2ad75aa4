"""Template variables: datasources, then cluster, then the filters that depend on it.

Names follow kubernetes-mixin (`datasource`, `cluster`, `namespace`, ...), so links that carry
variables (`includeVars`) keep the selection between this pack's dashboards and theirs. The
cluster variable is single-valued and matched with `=`: with one cluster whose series have no
cluster label it is empty, and `cluster=""` matches series without the label, as the rules'
`cluster_label` promises. Multi-value filters default to All, whose value is `.+`: Loki refuses
a selector that matches the empty string, and Prometheus then skips series without the label.
"""

from __future__ import annotations

from grafana.sdk import dashboard_builder, model
from grafana.settings import GrafanaSettings
from grafana.targets import PROMETHEUS

ALL = ".+"


def prometheus_datasource() -> dashboard_builder.DatasourceVariable:
    return (
        dashboard_builder.DatasourceVariable("datasource")
        .label("Prometheus")
        .type("prometheus")
        .description("The Prometheus that scrapes the cluster and evaluates the pack's rules.")
    )


def loki_datasource() -> dashboard_builder.DatasourceVariable:
    return (
        dashboard_builder.DatasourceVariable("loki")
        .label("Loki")
        .type("loki")
        .description("The Loki that holds the cluster's container logs.")
    )


def label_values(
    name: str,
    series: str,
    label: str | None = None,
    *,
    title: str | None = None,
    multi: bool = True,
    all_value: str | None = ALL,
    description: str = "",
) -> dashboard_builder.QueryVariable:
    """A Prometheus `label_values(series, label)` variable, refreshed with the time range.

    `label` is the label read when it differs from the variable's name (the nodes dashboard's
    `node` comes from node_exporter's `instance`). `all_value=None` makes All select the listed
    values, so a filter on an upstream variable also narrows series that lack its label.
    """
    query = f"label_values({series}, {label or name})"
    v = (
        dashboard_builder.QueryVariable(name)
        .label(title or name.replace("_", " ").capitalize())
        .datasource(PROMETHEUS)
        .query(query)
        .definition(query)
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(multi)
        .include_all(multi)
    )
    if description:
        v = v.description(description)
    if multi:
        v = v.current(model.VariableOption(text=["All"], value=["$__all"]))
        if all_value is not None:
            v = v.all_value(all_value)
    return v


def cluster(s: GrafanaSettings, series: str) -> dashboard_builder.QueryVariable:
    """The cluster to show, from the `cluster_label` of a series every cluster has."""
    c = s.cluster_label
    return label_values(
        "cluster",
        series,
        c,
        multi=False,
        description=(
            f"Value of the `{c}` label; empty when the series carry no such label "
            "(a single cluster), which then matches every series."
        ),
    )


def cluster_matcher(s: GrafanaSettings) -> str:
    return f'{s.cluster_label}="$cluster"'


def alerts_cluster_matcher(s: GrafanaSettings) -> str:
    """For `ALERTS`: the selected cluster, or none. An `absent(...)` alert such as
    HealthcheckExporterAbsent has no labels to carry the cluster, and must still show."""
    return f'{s.cluster_label}=~"$cluster|"'
