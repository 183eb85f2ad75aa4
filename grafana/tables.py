"""Tables: instant queries joined into one row per series, with named, coloured columns.

The pattern kubernetes-mixin's tables use: `merge` joins the queries' rows on their common labels,
`organize` drops the time column, orders and renames, and field overrides then address the new
column names (units, colours from the rules' thresholds, links).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grafana.panels import Link, Steps, describe, finish, steps_json
from grafana.sdk import common, common_builder, loki, model, prometheus, table
from grafana.targets import PROMETHEUS


@dataclass(frozen=True)
class Column:
    """A table column: a label of the series, or `#A` for the value of query A; its header."""

    field: str
    name: str
    unit: str | None = None
    steps: Steps | None = None  # colours the cell background
    decimals: int | None = None
    links: tuple[Link, ...] = ()
    mappings: tuple[model.ValueMap, ...] = ()

    def sources(self, queries: int) -> list[str]:
        """The field names Grafana gives this column before renaming: an instant query's value
        is `Value #<refId>` when a panel has several queries, `Value` when it has one."""
        if not self.field.startswith("#"):
            return [self.field]
        ref = self.field[1:]
        return [f"Value #{ref}", "Value"] if queries == 1 else [f"Value #{ref}"]


def table_panel(
    title: str,
    what: str,
    good: str,
    targets: Sequence[prometheus.Dataquery | loki.Dataquery],
    *,
    columns: Sequence[Column],
    sort_by: str | None = None,
    datasource: common.DataSourceRef = PROMETHEUS,
    links: Sequence[Link] = (),
    width: int = 24,
    height: int = 8,
) -> model.Panel:
    """Instant queries joined into one row per series, the columns renamed and ordered.

    As kubernetes-mixin's tables: `merge` joins the queries' rows on their common labels,
    `organize` drops the time, orders and renames; overrides then address the new names. Loki
    returns one frame per series with its labels on the value, so `labelsToFields` comes first.
    Queries aggregate `by (...)` exactly the label columns, so no stray label shows up.
    """
    rename: dict[str, str] = {}
    index: dict[str, int] = {}
    for i, c in enumerate(columns):
        for source in c.sources(len(targets)):
            rename[source] = c.name
            index[source] = i
    organize = {
        "excludeByName": {"Time": True},
        "indexByName": index,
        "renameByName": rename,
    }
    transformations = [model.DataTransformerConfig(id_val="merge", options={})]
    if datasource.type_val == "loki":
        transformations.insert(
            0, model.DataTransformerConfig(id_val="labelsToFields", options={"mode": "columns"})
        )
    transformations.append(model.DataTransformerConfig(id_val="organize", options=organize))
    p = (
        table.Panel()
        .title(title)
        .description(describe(what, good))
        .datasource(datasource)
        .targets(list(targets))
        .cell_height(common.TableCellHeight.SM)
        .show_header(True)
        .transformations(transformations)
    )
    if sort_by is not None:
        p = p.sort_by([common_builder.TableSortByFieldState().display_name(sort_by).desc(True)])
    for c in columns:
        props = []
        if c.unit is not None:
            props.append(model.DynamicConfigValue(id_val="unit", value=c.unit))
        if c.decimals is not None:
            props.append(model.DynamicConfigValue(id_val="decimals", value=c.decimals))
        if c.steps is not None:
            props.append(model.DynamicConfigValue(id_val="thresholds", value=steps_json(c.steps)))
            props.append(
                model.DynamicConfigValue(
                    id_val="custom.cellOptions", value={"type": "color-background", "mode": "basic"}
                )
            )
        if c.mappings:
            props.append(model.DynamicConfigValue(id_val="mappings", value=list(c.mappings)))
        if c.links:
            props.append(
                model.DynamicConfigValue(id_val="links", value=[x.to_dict() for x in c.links])
            )
        if props:
            p = p.override_by_name(c.name, props)
    return finish(p.build(), width, height, links, ())
