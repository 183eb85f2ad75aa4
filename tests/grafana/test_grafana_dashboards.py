"""The dashboards follow the pack's conventions: what an operator and a reviewer rely on.

Current panel types only, a description saying what good looks like, every query in the
selected cluster, long ranges on recorded series, defined variables, valid links (other
dashboards by UID, runbooks that exist, Kiali), UIDs the alerts already link to, and a
laid-out grid without overlaps.
"""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from grafana import GrafanaSettings
from tests.grafana.testkit import VARIABLE, panels, queries, selectors

REPO = Path(__file__).resolve().parents[2]
PANEL_TYPES = {"row", "timeseries", "stat", "state-timeline", "table", "logs"}
BUILTINS = {
    "__rate_interval", "__interval", "__range", "__range_s", "__auto", "__url_time_range",
    "__data", "__field", "__value",
}  # fmt: skip
# Raw series a 30-day range must not scan: the rules record what the dashboards need of them.
NEVER_RAW = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "istio_request_duration_milliseconds_bucket",
}
RATE = re.compile(r"\b(?:rate|increase|irate)\(\s*([A-Za-z_][A-Za-z0-9_:]*)")


def rows(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(title of the row above, panel) for every panel."""
    out, row = [], ""
    for panel in data["panels"]:
        if panel["type"] == "row":
            row = panel["title"]
        else:
            out.append((row, panel))
    return out


def links(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every link: the dashboard's, panels', data links and links in field overrides."""
    found = list(data.get("links", []))
    for panel in panels(data):
        found += panel.get("links", [])
        field_config = panel.get("fieldConfig", {})
        found += field_config.get("defaults", {}).get("links", [])
        for override in field_config.get("overrides", []):
            for prop in override["properties"]:
                if prop["id"] == "links":
                    found += prop["value"]
    return found


def test_uids_are_the_ones_the_alerts_link_to(
    shipped: GrafanaSettings, dashboards: dict[str, dict[str, Any]]
) -> None:
    uids = {data["uid"] for data in dashboards.values()}
    linked = set()
    for path in (REPO / "rules" / "generated").glob("*.rules.yaml"):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                url = rule.get("annotations", {}).get("dashboard_url")
                if url:
                    linked.add(url.rsplit("/d/", 1)[1])
    assert linked
    assert linked <= uids
    for key, data in dashboards.items():
        assert data["uid"] == shipped.uid(key)
        assert data.get("id") is None  # provisioning assigns it


def test_only_current_panel_types(dashboards: dict[str, dict[str, Any]]) -> None:
    for key, data in dashboards.items():
        assert data["schemaVersion"] == 42
        for panel in panels(data):
            assert panel["type"] in PANEL_TYPES, (key, panel["title"], panel["type"])


def test_every_panel_says_what_it_shows_and_what_good_looks_like(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    for key, data in dashboards.items():
        assert data["description"], key
        for _, panel in rows(data):
            what, _, good = panel["description"].partition("\n\nGood: ")
            assert len(what) > 20, (key, panel["title"])
            assert good, (key, panel["title"])


def test_panels_are_laid_out_without_overlap(dashboards: dict[str, dict[str, Any]]) -> None:
    for key, data in dashboards.items():
        items = data["panels"]
        assert [p["id"] for p in items] == list(range(1, len(items) + 1)), key
        boxes = []
        for p in items:
            g = p["gridPos"]
            assert g["x"] >= 0, (key, p["title"])
            assert g["x"] + g["w"] <= 24, (key, p["title"])
            boxes.append((g["x"], g["y"], g["x"] + g["w"], g["y"] + g["h"], p["title"]))
        for a, b in combinations(boxes, 2):
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, (key, a[4], b[4])


def test_every_query_is_scoped_to_the_selected_cluster(
    shipped: GrafanaSettings, dashboards: dict[str, dict[str, Any]]
) -> None:
    cluster = f'{shipped.cluster_label}="$cluster"'
    # ALERTS of an absent() alert carry no cluster label: the selected cluster, or none.
    alerts = f'{shipped.cluster_label}=~"$cluster|"'
    for key, data in dashboards.items():
        for q in queries(data):
            if q.datasource != "prometheus" or q.where.startswith("variable 'cluster'"):
                continue
            for selector in selectors(q.expr):
                wanted = alerts if selector.startswith("ALERTS{") else cluster
                assert wanted in selector, (key, q.where, selector)


def test_long_ranges_read_recorded_series(dashboards: dict[str, dict[str, Any]]) -> None:
    """Raw cAdvisor and histogram series never; other raw counters only in rows that say so."""
    for key, data in dashboards.items():
        for q in queries(data):
            if q.datasource == "prometheus":
                for selector in selectors(q.expr):
                    assert selector.split("{")[0] not in NEVER_RAW, (key, q.where, selector)
        for row, panel in rows(data):
            for target in panel.get("targets", []):
                raw = [m for m in RATE.findall(target["expr"]) if ":" not in m]
                raw = [m for m in raw if m != "kube_pod_container_status_restarts_total"]
                if raw and target["datasource"]["type"] == "prometheus":
                    assert "raw" in row, (key, row, panel["title"], raw)


def test_every_variable_used_is_defined(dashboards: dict[str, dict[str, Any]]) -> None:
    for key, data in dashboards.items():
        defined = {v["name"] for v in data["templating"]["list"]} | BUILTINS
        texts = [q.expr for q in queries(data)] + [x.get("url", "") for x in links(data)]
        texts += [p["datasource"]["uid"] for p in panels(data) if p["type"] != "row"]
        for text in texts:
            for m in VARIABLE.finditer(text):
                name = (m.group(1) or m.group(2)).split(".")[0]
                assert name in defined, (key, name, text)
        types = {v["name"]: v.get("query") for v in data["templating"]["list"]}
        assert types["datasource"] == "prometheus", key
        uses_loki = any(q.datasource == "loki" for q in queries(data))
        assert ("loki" in types) == uses_loki, key
        assert types.get("loki", "loki") == "loki", key
        assert "cluster" in types, key


def test_links_lead_somewhere(
    shipped: GrafanaSettings, dashboards: dict[str, dict[str, Any]]
) -> None:
    uids = {data["uid"] for data in dashboards.values()}
    runbooks = shipped.rules.runbook_base_url.rstrip("/") + "/"
    for key, data in dashboards.items():
        bar = data["links"]
        assert [link["title"] for link in bar] == ["Monitoring pack", "Kiali", "Runbooks"], key
        assert bar[0]["tags"] == ["monitoring-pack"], key
        assert bar[0]["keepTime"], key
        assert bar[1]["url"] == f"{shipped.kiali_url}/console/graph/namespaces/"
        assert bar[2]["url"] == shipped.rules.runbook_base_url
        assert all("placement" not in link for link in bar), key
        for link in links(data):
            url = link.get("url")
            if url is None:  # the dashboards dropdown: by tag
                continue
            if url.startswith("/d/"):
                assert url[3:].split("?")[0] in uids, (key, url)
            elif url.startswith(runbooks):
                name = url[len(runbooks) :]
                if name and not name.startswith("${"):
                    assert (REPO / "rules" / "runbooks" / name).is_file(), (key, url)
            else:
                assert url.startswith(shipped.kiali_url), (key, url)


def test_every_dashboard_is_tagged_and_annotates_its_alerts(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    for key, data in dashboards.items():
        assert data["tags"] == ["monitoring-pack", key]
        names = [a["name"] for a in data["annotations"]["list"]]
        assert names == ["Annotations & Alerts", "Alerts"], key
        assert all("placement" not in a for a in data["annotations"]["list"]), key
    nodes = data_of(dashboards, "nodes")["annotations"]["list"][1]["expr"]
    assert 'alertname=~"NodeCPUUsageHigh|NodeFilesystemUsageHigh|NodeMemoryUsageHigh"' in nodes


def data_of(dashboards: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    return dashboards[key]
