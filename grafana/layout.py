"""Assemble a dashboard: rows of panels on Grafana's 24-column grid, ids, links, annotations.

What every dashboard of the pack gets is added here, in one place (as rules/generate.py adds
runbook and dashboard links to every alert): the UID from the file name, the pack's tag, the
links bar (the pack's other dashboards, Kiali, the runbooks) and an annotation that marks when
the alerts linking to this dashboard fired.

Panels are placed here rather than by the SDK's auto-layout, so a panel's position depends only
on the panels before it in its row, and panel ids are 1..n in reading order: stable across runs,
which keeps the generated JSON diff-able and the `viewPanel=` links people share valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana.sdk import cogbuilder, common, dashboard_builder, model
from grafana.settings import PACK_TAG, GrafanaSettings
from grafana.targets import PROMETHEUS
from grafana.variables import alerts_cluster_matcher
from rules import build_groups
from rules.model import Alert

GRID_WIDTH = 24


@dataclass(frozen=True)
class Row:
    title: str
    panels: Sequence[model.Panel]


def alert_names(s: GrafanaSettings, key: str) -> list[str]:
    """The alerts whose `dashboard_url` points at dashboard `key`, from the rules themselves."""
    names = {
        rule.name
        for group in build_groups(s.rules)
        for rule in group.rules
        if isinstance(rule, Alert) and rule.dashboard == key
    }
    return sorted(names)


def alerts_annotation(
    s: GrafanaSettings, names: Sequence[str]
) -> dashboard_builder.AnnotationQuery:
    """Firing alerts as annotations: when they fired is the first question on a dashboard."""
    matchers = ['alertstate="firing"', alerts_cluster_matcher(s)]
    if names:
        matchers.insert(0, f'alertname=~"{"|".join(names)}"')
    else:
        matchers.insert(0, 'severity="critical"')
    return (
        dashboard_builder.AnnotationQuery()
        .name("Alerts")
        .datasource(PROMETHEUS)
        .enable(True)
        .hide(False)
        .icon_color("red")
        .expr(f"ALERTS{{{', '.join(matchers)}}}")
        .step("60s")
        .title_format("{{alertname}} ({{severity}})")
        .text_format("{{alertname}} firing")
        .tag_keys("severity")
        .use_value_for_time(False)
    )


def _builtin_annotation() -> dashboard_builder.AnnotationQuery:
    """Grafana's own annotations (and its alert states); Grafana adds it when missing anyway."""
    return (
        dashboard_builder.AnnotationQuery()
        .name("Annotations & Alerts")
        .datasource(common.DataSourceRef(type_val="grafana", uid="-- Grafana --"))
        .built_in(1)
        .enable(True)
        .hide(True)
        .icon_color("rgba(0, 211, 255, 1)")
        .type("dashboard")
        # The SDK types `target` as a data query builder, but Grafana's built-in annotation takes
        # exactly this AnnotationTarget (the SDK's own docstring: "TODO.. this should just be a
        # normal query target"); build() is all the method calls on it.
        .target(
            dashboard_builder.AnnotationTarget()  # type: ignore[arg-type]
            .limit(100)
            .match_any(False)
            .tags([])
            .type("dashboard")
        )
    )


def _links(s: GrafanaSettings) -> list[cogbuilder.Builder[model.DashboardLink]]:
    return [
        dashboard_builder.DashboardLink("Monitoring pack")
        .type(model.DashboardLinkType.DASHBOARDS)
        .tags([PACK_TAG])
        .as_dropdown(True)
        .include_vars(True)
        .keep_time(True)
        .tooltip("The pack's other dashboards, with this time range and these variables"),
        dashboard_builder.DashboardLink("Kiali")
        .type(model.DashboardLinkType.LINK)
        .url(s.kiali("graph/namespaces/"))
        .icon("external link")
        .tooltip("Istio service graph, traffic and configuration")
        .target_blank(True),
        dashboard_builder.DashboardLink("Runbooks")
        .type(model.DashboardLinkType.LINK)
        .url(s.rules.runbook_base_url)
        .icon("doc")
        .tooltip("What each alert means and what to do about it")
        .target_blank(True),
    ]


def build_dashboard(
    s: GrafanaSettings,
    key: str,
    *,
    title: str,
    description: str,
    rows: Sequence[Row],
    variables: Sequence[dashboard_builder.DatasourceVariable | dashboard_builder.QueryVariable],
    time_from: str = "now-6h",
    refresh: str = "1m",
) -> model.Dashboard:
    """The finished dashboard model, ready for `grafana.sdk.to_data`."""
    builder = (
        dashboard_builder.Dashboard(title)
        .uid(s.uid(key))
        .description(description)
        .tags([PACK_TAG, key])
        .timezone("browser")
        .editable()
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .time(time_from, "now")
        .refresh(refresh)
        .variables(list(variables))
        .annotations([_builtin_annotation(), alerts_annotation(s, alert_names(s, key))])
        .links(_links(s))
    )
    dashboard = builder.build()
    # The SDK sets placement "inControlsMenu" on every link and annotation, and Grafana 12 then
    # tucks them into the controls menu. Without the key they stay in the bar above the panels.
    # (`placement` is typed str, but to_json leaves the key out exactly when it is None.)
    for link in dashboard.links or []:
        link.placement = None  # type: ignore[assignment]
    for annotation in dashboard.annotations.list_val or []:
        annotation.placement = None  # type: ignore[assignment]
    dashboard.panels = list(place(rows))
    return dashboard


def place(rows: Sequence[Row]) -> list[model.Panel | model.RowPanel]:
    """Rows on the grid, each row's panels left to right, wrapping at 24 columns; ids 1..n."""
    out: list[model.Panel | model.RowPanel] = []
    y = 0
    for row in rows:
        out.append(
            model.RowPanel(
                title=row.title, collapsed=False, panels=[], grid_pos=model.GridPos(h=1, w=24, y=y)
            )
        )
        y += 1
        x = line_height = 0
        for panel in row.panels:
            pos = panel.grid_pos or model.GridPos()
            if x + pos.w > GRID_WIDTH:
                y, x, line_height = y + line_height, 0, 0
            panel.grid_pos = model.GridPos(h=pos.h, w=pos.w, x=x, y=y)
            x += pos.w
            line_height = max(line_height, pos.h)
            out.append(panel)
        y += line_height
    for i, item in enumerate(out, start=1):
        item.id_val = i
    return out
