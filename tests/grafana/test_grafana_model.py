"""The committed dashboard JSON loads back into grafana-foundation-sdk's models without loss.

No Grafana runs here; the SDK's typed models are the schema we have (the issue's "model
validation on load"). Each file is decoded by `Dashboard.from_json`, which picks the typed
options, field config and query classes by panel and datasource type, and encoded again: the
result must equal the file, so no key is unknown to the models and every value has the type they
expect. One known SDK quirk is undone first: `from_json` always sets `placement` on dashboard
links and annotations (grafana/layout.py leaves it out on purpose).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grafana import settings_from
from grafana.generate import GENERATED_DIR
from grafana.sdk import (
    from_json,
    logs_model,
    loki_model,
    model,
    prometheus_model,
    stat_model,
    statetimeline_model,
    table_model,
    timeseries_model,
    to_data,
)
from rules.config import load_config

FILES = sorted(GENERATED_DIR.glob("*.json"))
OPTIONS = {
    "timeseries": timeseries_model.Options,
    "stat": stat_model.Options,
    "state-timeline": statetimeline_model.Options,
    "table": table_model.Options,
    "logs": logs_model.Options,
}
FIELD_CONFIG = {
    "timeseries": timeseries_model.FieldConfig,
    "state-timeline": statetimeline_model.FieldConfig,
    "table": table_model.FieldConfig,
}
QUERIES = {"prometheus": prometheus_model.Dataquery, "loki": loki_model.Dataquery}


def _without_injected_placement(original: Any, loaded: Any) -> Any:
    """`loaded` without the `placement` keys the SDK adds on load where `original` had none."""
    if isinstance(original, dict) and isinstance(loaded, dict):
        out = {k: _without_injected_placement(original.get(k), v) for k, v in loaded.items()}
        if "placement" not in original:
            out.pop("placement", None)
        return out
    if isinstance(original, list) and isinstance(loaded, list) and len(original) == len(loaded):
        return [_without_injected_placement(o, x) for o, x in zip(original, loaded, strict=True)]
    return loaded


def test_every_configured_dashboard_has_a_file() -> None:
    names = {p.name for p in FILES}
    assert set(settings_from(load_config()).files.files.values()) == names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_json_round_trips_through_the_sdk_models(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    loaded = from_json(data)
    assert _without_injected_placement(data, to_data(loaded)) == data


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_panels_decode_into_typed_models(path: Path) -> None:
    dashboard = from_json(json.loads(path.read_text(encoding="utf-8")))
    assert dashboard.schema_version == 42
    assert isinstance(dashboard.templating, model.DashboardDashboardTemplating)
    for panel in dashboard.panels or []:
        if isinstance(panel, model.RowPanel):
            assert not panel.collapsed
            continue
        assert isinstance(panel, model.Panel)
        assert isinstance(panel.options, OPTIONS[panel.type_val]), panel.title
        if panel.type_val in FIELD_CONFIG:
            assert panel.field_config is not None
            custom = panel.field_config.defaults.custom
            assert isinstance(custom, FIELD_CONFIG[panel.type_val]), panel.title
        assert panel.datasource is not None
        for target in panel.targets or []:
            assert isinstance(target, QUERIES[panel.datasource.type_val or ""]), panel.title


def test_the_round_trip_catches_keys_the_models_do_not_know() -> None:
    data = json.loads((GENERATED_DIR / "nodes.json").read_text(encoding="utf-8"))
    panel = next(p for p in data["panels"] if p["type"] == "timeseries")
    panel["options"]["legend"]["showLegnd"] = True  # misspelt: the typed options drop it
    assert _without_injected_placement(data, to_data(from_json(data))) != data
