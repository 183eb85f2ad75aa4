"""Query targets: Prometheus and Loki queries in code mode, against the datasource variables.

Every query names its datasource through the `${datasource}` / `${loki}` variables, so the
dashboards work with whatever the datasources are called in a given Grafana.
"""

from __future__ import annotations

from grafana.sdk import common, loki, loki_model, prometheus, prometheus_model

PROMETHEUS = common.DataSourceRef(type_val="prometheus", uid="${datasource}")
LOKI = common.DataSourceRef(type_val="loki", uid="${loki}")


def promql(
    expr: str,
    legend: str = "__auto",
    ref: str = "A",
    *,
    instant: bool = False,
    table_: bool = False,
) -> prometheus.Dataquery:
    """A Prometheus query in code mode; `instant` for stats and tables (cheaper, one point)."""
    q = (
        prometheus.Dataquery()
        .datasource(PROMETHEUS)
        .editor_mode(prometheus_model.QueryEditorMode.CODE)
        .expr(expr)
        .legend_format(legend)
        .ref_id(ref)
    )
    q = q.instant() if instant else q.range()
    if table_:
        q = q.format(prometheus_model.PromQueryFormat.TABLE)
    return q


def logql(
    expr: str, legend: str | None = None, ref: str = "A", *, instant: bool = False
) -> loki.Dataquery:
    """A Loki query in code mode; `instant` for one value over the range (stats, tables)."""
    q = (
        loki.Dataquery()
        .datasource(LOKI)
        .editor_mode(loki_model.QueryEditorMode.CODE)
        .expr(expr)
        .ref_id(ref)
        .query_type("instant" if instant else "range")
    )
    if legend is not None:
        q = q.legend_format(legend)
    return q
