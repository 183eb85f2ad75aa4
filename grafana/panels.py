"""Panel factories: timeseries, stat, state-timeline and logs, with the pack's defaults in one
place (tables are in grafana/tables.py).

Every factory takes `what` (what the panel shows) and `good` (what good looks like) and joins
them into the panel description, so no panel ships without both: an operator hovering the (i)
at 3 a.m. learns what the lines mean and whether to worry. Threshold steps come from the rules'
config (`threshold_steps(cfg.thresholds.cpu)`), so an alert and the line drawn for it move
together. Layout (gridPos) and panel ids are set later, by grafana/layout.py.

Only timeseries, stat, state-timeline, table and logs are used: no Angular `graph` panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grafana.sdk import (
    common,
    common_builder,
    dashboard_builder,
    logs,
    loki,
    model,
    prometheus,
    stat,
    statetimeline,
    timeseries,
)
from grafana.targets import LOKI, PROMETHEUS, logql
from rules.settings import Threshold

Steps = Sequence[tuple[float | None, str]]  # (from value, colour); the first is the base


@dataclass(frozen=True)
class Link:
    """A panel link or a data link; `url` may use Grafana's ${...} interpolation."""

    title: str
    url: str
    new_tab: bool = False

    def to_dict(self) -> dict[str, Any]:
        """As a panel link, or a link in a field override: Grafana's DataLink."""
        return {"title": self.title, "url": self.url, "targetBlank": self.new_tab}

    def to_model(self) -> model.DashboardLink:
        """As a field's data link, which the SDK models as a DashboardLink."""
        link = model.DashboardLink(title=self.title, url=self.url, target_blank=self.new_tab)
        link.placement = None  # type: ignore[assignment]  # see grafana/layout.py
        return link


def threshold_steps(threshold: Threshold) -> list[tuple[float | None, str]]:
    """green below the warning threshold, orange from it, red from the critical one."""
    return [(None, "green"), (threshold.warning, "orange"), (threshold.critical, "red")]


def describe(what: str, good: str) -> str:
    return f"{what.strip()}\n\nGood: {good.strip()}"


def state_mapping(states: dict[str, tuple[str, str]]) -> model.ValueMap:
    """Value -> (text, colour), e.g. {"1": ("UP", "green"), "0": ("DOWN", "red")}."""
    return model.ValueMap(
        options={
            value: model.ValueMappingResult(text=text, color=colour, index=i)
            for i, (value, (text, colour)) in enumerate(states.items())
        }
    )


UP_DOWN = state_mapping({"1": ("UP", "green"), "0": ("DOWN", "red")})


# --- panels --------------------------------------------------------------------------------


def timeseries_panel(
    title: str,
    what: str,
    good: str,
    targets: Sequence[prometheus.Dataquery | loki.Dataquery],
    *,
    unit: str,
    steps: Steps | None = None,
    min_: float | None = None,
    max_: float | None = None,
    soft_max: float | None = None,
    stack: bool = False,
    bars: bool = False,
    legend_table: bool = False,
    calcs: Sequence[str] = ("lastNotNull", "max"),
    interval: str | None = None,
    datasource: common.DataSourceRef = PROMETHEUS,
    links: Sequence[Link] = (),
    data_links: Sequence[Link] = (),
    width: int = 12,
    height: int = 8,
) -> model.Panel:
    """Lines (or bars) over time; `steps` draws dashed threshold lines at the configured values."""
    legend = common_builder.VizLegendOptions().show_legend(True)
    if legend_table:
        legend = (
            legend.display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.RIGHT)
            .calcs(list(calcs))
            .sort_by(_CALC_NAMES[calcs[0]])
            .sort_desc(True)
        )
    else:
        legend = legend.display_mode(common.LegendDisplayMode.LIST).placement(
            common.LegendPlacement.BOTTOM
        )
    p = (
        timeseries.Panel()
        .title(title)
        .description(describe(what, good))
        .datasource(datasource)
        .targets(list(targets))
        .unit(unit)
        .legend(legend)
        .tooltip(
            common_builder.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
        .line_width(1)
        .fill_opacity(80 if bars else 30 if stack else 10)
        .show_points(common.VisibilityMode.NEVER)
        .draw_style(common.GraphDrawStyle.BARS if bars else common.GraphDrawStyle.LINE)
        .span_nulls(False)
    )
    if stack:
        p = p.stacking(common_builder.StackingConfig().mode(common.StackingMode.NORMAL))
    if steps is not None:
        p = p.thresholds(_thresholds(steps)).thresholds_style(
            common_builder.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.DASHED)
        )
    if min_ is not None:
        p = p.min(min_)
    if max_ is not None:
        p = p.max(max_)
    if soft_max is not None:
        p = p.axis_soft_max(soft_max)
    if interval is not None:
        p = p.interval(interval)
    return finish(p.build(), width, height, links, data_links)


def stat_panel(
    title: str,
    what: str,
    good: str,
    targets: Sequence[prometheus.Dataquery | loki.Dataquery],
    *,
    unit: str,
    steps: Steps | None = None,
    decimals: int | None = None,
    background: bool = False,
    datasource: common.DataSourceRef = PROMETHEUS,
    time_from: str | None = None,
    links: Sequence[Link] = (),
    data_links: Sequence[Link] = (),
    width: int = 6,
    height: int = 4,
) -> model.Panel:
    """One big number per series, coloured by `steps` (green when no steps are given)."""
    p = (
        stat.Panel()
        .title(title)
        .description(describe(what, good))
        .datasource(datasource)
        .targets(list(targets))
        .unit(unit)
        .thresholds(_thresholds(steps or [(None, "green")]))
        .color_mode(
            common.BigValueColorMode.BACKGROUND if background else common.BigValueColorMode.VALUE
        )
        .graph_mode(common.BigValueGraphMode.NONE)
        .text_mode(common.BigValueTextMode.AUTO)
        .justify_mode(common.BigValueJustifyMode.AUTO)
        .orientation(common.VizOrientation.AUTO)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    if decimals is not None:
        p = p.decimals(decimals)
    if time_from is not None:
        p = p.time_from(time_from)
    return finish(p.build(), width, height, links, data_links)


def state_timeline_panel(
    title: str,
    what: str,
    good: str,
    targets: Sequence[prometheus.Dataquery],
    *,
    mappings: Sequence[model.ValueMap] = (),
    steps: Steps | None = None,
    unit: str = "short",
    min_: float | None = None,
    max_: float | None = None,
    links: Sequence[Link] = (),
    data_links: Sequence[Link] = (),
    width: int = 24,
    height: int = 8,
) -> model.Panel:
    """One row per series, coloured by state: value mappings for up/down, steps for shares."""
    p = (
        statetimeline.Panel()
        .title(title)
        .description(describe(what, good))
        .datasource(PROMETHEUS)
        .targets(list(targets))
        .unit(unit)
        .mappings(list(mappings))
        .thresholds(_thresholds(steps or [(None, "green")]))
        .color_scheme(dashboard_builder.FieldColor().mode(model.FieldColorModeId.THRESHOLDS))
        .show_value(common.VisibilityMode.NEVER)
        .merge_values(True)
        .row_height(0.9)
        .line_width(0)
        .fill_opacity(80)
        .legend(
            common_builder.VizLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
        )
        .tooltip(
            common_builder.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.SINGLE)
            .sort(common.SortOrder.NONE)
        )
    )
    if min_ is not None:
        p = p.min(min_)
    if max_ is not None:
        p = p.max(max_)
    return finish(p.build(), width, height, links, data_links)


def logs_panel(
    title: str,
    what: str,
    good: str,
    expr: str,
    *,
    max_lines: int = 500,
    time_from: str | None = None,
    links: Sequence[Link] = (),
    width: int = 24,
    height: int = 10,
) -> model.Panel:
    """Log lines from Loki, newest first, with details and wrapping for long stack traces."""
    target = logql(expr).max_lines(max_lines)
    p = (
        logs.Panel()
        .title(title)
        .description(describe(what, good))
        .datasource(LOKI)
        .targets([target])
        .show_time(True)
        .wrap_log_message(True)
        .enable_log_details(True)
        .prettify_log_message(False)
        .show_labels(False)
        .show_common_labels(False)
        .sort_order(common.LogsSortOrder.DESCENDING)
        .dedup_strategy(common.LogsDedupStrategy.NONE)
    )
    if time_from is not None:
        p = p.time_from(time_from)
    return finish(p.build(), width, height, links, ())


# --- helpers -------------------------------------------------------------------------------

# Legend column headers of Grafana's reducers, which `sortBy` names.
_CALC_NAMES = {"lastNotNull": "Last *", "max": "Max", "mean": "Mean", "sum": "Total"}


def _thresholds(steps: Steps) -> dashboard_builder.ThresholdsConfig:
    return (
        dashboard_builder.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=v, color=c) for v, c in steps])
    )


def steps_json(steps: Steps) -> dict[str, Any]:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in steps]}


def finish(
    panel: model.Panel,
    width: int,
    height: int,
    links: Sequence[Link],
    data_links: Sequence[Link],
) -> model.Panel:
    """Size the panel and attach its links (plain {title, url, targetBlank}, as Grafana saves
    them: the SDK's DashboardLink carries dashboard-link fields a panel link does not have)."""
    panel.grid_pos = model.GridPos(h=height, w=width)
    if links:
        # plain dicts where the SDK types its DashboardLink model: the encoder writes both as is
        panel.links = [link.to_dict() for link in links]  # type: ignore[misc]
    if data_links:
        assert panel.field_config is not None
        panel.field_config.defaults.links = [link.to_model() for link in data_links]
    return panel
