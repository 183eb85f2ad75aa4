"""Load and validate rules/config.yaml, the pack's one source of thresholds, selectors and links.

The rules generator and the Grafana dashboards both read it through `load_config`, so a threshold
is written once. Validation reports every bad key at once, each with the file, the key and what
was expected, as prometheus-pve-exporter's `ConfigInvalid` does: fixing a config one error per run
is slow. The old service's ConfigMap names (`CPU_THRESHOLD_WARNING`, ...) are the threshold keys,
and `load_config(environ=os.environ)` lets those environment variables override the file.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from rules.config_pack import PACK_FOR_ALERTS, parse_pack
from rules.probe_timing import parse_healthcheck
from rules.settings import (
    Dashboards,
    IstioSettings,
    LogsSettings,
    PrometheusRuleSettings,
    RulesConfig,
    Selectors,
    Threshold,
    Thresholds,
)
from rules.validation import (
    Validator,
    is_dns_label,
    is_file_name,
    is_k8s_label_key,
    is_k8s_label_value,
    is_label_name,
    is_line_filter,
    is_selector,
    is_url,
    kind,
    num,
)
from runtime.durations import is_prometheus_duration

DEFAULT_CONFIG = Path(__file__).with_name("config.yaml")

# Threshold key -> (area, level, unit, upper bound); area names the `Thresholds` field.
THRESHOLD_KEYS: dict[str, tuple[str, str, str, float]] = {
    "CPU_THRESHOLD_WARNING": ("cpu", "warning", "%", 100.0),
    "CPU_THRESHOLD_CRITICAL": ("cpu", "critical", "%", 100.0),
    "MEMORY_THRESHOLD_WARNING": ("memory", "warning", "%", 100.0),
    "MEMORY_THRESHOLD_CRITICAL": ("memory", "critical", "%", 100.0),
    "DISK_THRESHOLD_WARNING": ("disk", "warning", "%", 100.0),
    "DISK_THRESHOLD_CRITICAL": ("disk", "critical", "%", 100.0),
    "ERROR_RATE_THRESHOLD_WARNING": ("error_rate", "warning", "%", 100.0),
    "ERROR_RATE_THRESHOLD_CRITICAL": ("error_rate", "critical", "%", 100.0),
    "LATENCY_THRESHOLD_WARNING": ("latency", "warning", "ms", math.inf),
    "LATENCY_THRESHOLD_CRITICAL": ("latency", "critical", "ms", math.inf),
}

# Environment variable -> config key it overrides (with --env): the old ConfigMap's names.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    **{name: ("thresholds", name) for name in THRESHOLD_KEYS},
    "GRAFANA_URL": ("dashboards", "base_url"),
    "KIALI_URL": ("dashboards", "kiali_url"),
}

# Every alert whose `for` is configurable; the Watchdog-style alert always fires at once.
FOR_ALERTS: tuple[str, ...] = (
    "NodeCPUUsageHigh",
    "NodeMemoryUsageHigh",
    "NodeFilesystemUsageHigh",
    "ContainerCPUNearLimit",
    "ContainerMemoryNearLimit",
    "ServiceErrorRateHigh",
    "ServiceLatencyHigh",
    "HAProxyServerDown",
    "HAProxyBackendDown",
    "HealthcheckProbeFailed",
    "HealthcheckProbeFailedOnNode",
    "HealthcheckDiskUsageHigh",
    "HealthcheckExporterAbsent",
    "HealthcheckExporterDown",
    "HealthcheckConfigReloadFailed",
    *PACK_FOR_ALERTS,
)

SELECTOR_KEYS = (
    "healthcheck_exporter",
    "node_exporter",
    "node_filesystem",
    "cadvisor",
    "kube_state_metrics",
    "istio",
    "alert_receiver",
)


class ConfigError(ValueError):
    """The config is invalid; `problems` holds one line per bad key, each naming file and key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"invalid rules config, {count}:\n{lines}")


@functools.cache
def config_at(path: str = "") -> RulesConfig:
    """The config at `path` (the one the pack ships when empty), read once a process: what the
    receiver and the reporter take from it (RULES_CONFIG) is read the same way by both."""
    return load_config(path or DEFAULT_CONFIG)


def packaged_config() -> RulesConfig:
    """The rules/config.yaml the pack ships: the defaults of everything that can also be given
    another config."""
    return config_at("")


def load_config(
    path: str | Path = DEFAULT_CONFIG, environ: Mapping[str, str] | None = None
) -> RulesConfig:
    """Read and validate the config; with `environ`, the old ConfigMap's variables override it."""
    source = _display_path(Path(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(source, [f"{source}: cannot read: {exc.strerror or exc}"]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"{source}: not valid YAML: {exc}"]) from exc
    return parse_config(data, source=source, environ=environ)


def parse_config(
    data: Any, source: str = "<config>", environ: Mapping[str, str] | None = None
) -> RulesConfig:
    """Validate already-parsed YAML; `source` names it in error messages."""
    v = Validator(source)
    if not isinstance(data, dict):
        raise ConfigError(source, [f"{source}: expected a mapping of settings, got {kind(data)}"])
    data = copy.deepcopy(data)  # environment overrides must not change the caller's data
    applied = _apply_env(data, environ or {}, v)
    top = v.mapping(data, "", _TOP_KEYS)
    cfg = RulesConfig(
        source=source,
        thresholds=_thresholds(v, top.get("thresholds")),
        alert_for=_alert_for(v, top.get("for")),
        selectors=_selectors(v, top.get("selectors")),
        cluster_label=v.check(top.get("cluster_label"), "cluster_label", is_label_name, _LN),
        healthcheck=parse_healthcheck(v, top.get("healthcheck")),
        istio=_istio(v, top.get("istio")),
        runbook_base_url=v.check(top.get("runbook_base_url"), "runbook_base_url", is_url, _URL),
        dashboards=_dashboards(v, top.get("dashboards")),
        logs=_logs(v, top.get("logs")),
        prometheusrule=_prometheusrule(v, top.get("prometheusrule")),
        pack=parse_pack(v, top.get("pack")),
        omit_upstream_recording_rules=v.check(
            top.get("omit_upstream_recording_rules"),
            "omit_upstream_recording_rules",
            lambda x: isinstance(x, bool),
            "true or false",
        ),
        env_overrides=tuple(applied),
    )
    if v.problems:
        raise ConfigError(source, v.problems)
    return cfg


_TOP_KEYS = (
    "thresholds",
    "for",
    "selectors",
    "cluster_label",
    "healthcheck",
    "istio",
    "runbook_base_url",
    "dashboards",
    "logs",
    "prometheusrule",
    "pack",
    "omit_upstream_recording_rules",
)
_LN = "a Prometheus label name such as cluster"
_URL = "an http:// or https:// URL"


def _apply_env(data: dict[str, Any], environ: Mapping[str, str], v: Validator) -> list[str]:
    applied = []
    for name, (section, key) in ENV_OVERRIDES.items():
        raw = environ.get(name)
        if raw is None or raw.strip() == "":
            continue
        if not isinstance(data.get(section), dict):
            continue  # the section's own problem is reported by validation
        value: Any = raw.strip()
        if section == "thresholds":
            # Not a number: left as a string, so validation names the variable and its value.
            with contextlib.suppress(ValueError):
                value = float(value)
        data[section][key] = value
        v.env_keys[f"{section}.{key}"] = name
        applied.append(name)
    return applied


def _thresholds(v: Validator, data: Any) -> Thresholds:
    raw = v.mapping(data, "thresholds", tuple(THRESHOLD_KEYS))
    values: dict[str, dict[str, float]] = {}
    for name, (area, level, unit, high) in THRESHOLD_KEYS.items():
        expected = (
            "a number above 0 and at most 100 (percent)" if unit == "%" else "a number above 0 (ms)"
        )
        value = v.number(raw.get(name), f"thresholds.{name}", 0.0, high, expected)
        values.setdefault(area, {})[level] = value
    for name, (area, level, _, _) in THRESHOLD_KEYS.items():
        pair = values[area]
        if level == "warning" and pair["warning"] >= pair["critical"]:
            critical = name.replace("_WARNING", "_CRITICAL")
            v.problem(
                f"thresholds.{name}",
                f"expected less than {critical} ({num(pair['critical'])}), "
                f"got {num(pair['warning'])}",
            )
    return Thresholds(**{area: Threshold(**pair) for area, pair in values.items()})


def _alert_for(v: Validator, data: Any) -> dict[str, str]:
    raw = v.mapping(data, "for", FOR_ALERTS)
    expected = "a Prometheus duration such as 30s, 5m or 1h"
    for name in FOR_ALERTS:
        v.check(raw.get(name), f"for.{name}", is_prometheus_duration, expected)
    return {name: str(raw.get(name)) for name in FOR_ALERTS}


def _selectors(v: Validator, data: Any) -> Selectors:
    raw = v.mapping(data, "selectors", (*SELECTOR_KEYS, "namespaces"))
    expected = 'label matchers such as job="node-exporter", or "" for none'
    for key in SELECTOR_KEYS:
        v.check(raw.get(key), f"selectors.{key}", is_selector, expected)
    for key in ("healthcheck_exporter", "alert_receiver"):
        if raw.get(key) == "":
            # absent(up{...} == 1) over every job would never notice the job is gone.
            v.problem(f"selectors.{key}", 'expected matchers such as job="...", got ""')
    namespaces = v.check(
        raw.get("namespaces"),
        "selectors.namespaces",
        lambda x: isinstance(x, list) and all(is_dns_label(n) for n in x),
        "a list of namespace names (may be empty)",
    )
    return Selectors(
        **{key: str(raw.get(key, "")) for key in SELECTOR_KEYS},
        namespaces=tuple(namespaces) if isinstance(namespaces, list) else (),
    )


def _istio(v: Validator, data: Any) -> IstioSettings:
    keys = ("reporter", "min_request_rate", "latency_quantile", "recorded_quantiles")
    raw = v.mapping(data, "istio", keys)
    reporter = v.check(
        raw.get("reporter"),
        "istio.reporter",
        lambda x: x in ("source", "destination"),
        "source or destination",
    )
    min_rate = v.number(
        raw.get("min_request_rate"),
        "istio.min_request_rate",
        0.0,
        math.inf,
        "a number of requests per second, 0 or more",
        low_ok=True,
    )
    quantile = v.number(
        raw.get("latency_quantile"), "istio.latency_quantile", 0.0, 0.999999, "a number in (0, 1)"
    )
    quantiles = v.check(
        raw.get("recorded_quantiles"),
        "istio.recorded_quantiles",
        lambda x: (
            isinstance(x, list)
            and all(isinstance(q, int | float) and not isinstance(q, bool) and 0 < q < 1 for q in x)
            and (quantile in x or math.isnan(quantile))  # a bad quantile is reported already
        ),
        f"a list of numbers in (0, 1) that includes latency_quantile ({num(quantile)})",
    )
    return IstioSettings(
        reporter=str(reporter),
        min_request_rate=float(min_rate),
        latency_quantile=quantile,
        recorded_quantiles=tuple(float(q) for q in quantiles)
        if isinstance(quantiles, list)
        else (),
    )


def _dashboards(v: Validator, data: Any) -> Dashboards:
    raw = v.mapping(
        data, "dashboards", ("base_url", "kiali_url", "folder", "configmap_namespace", "files")
    )
    base = v.check(raw.get("base_url"), "dashboards.base_url", is_url, _URL)
    kiali = v.check(raw.get("kiali_url"), "dashboards.kiali_url", is_url, _URL)
    folder = v.check(
        raw.get("folder"),
        "dashboards.folder",
        lambda x: isinstance(x, str) and x.strip() != "",
        "a Grafana folder title",
    )
    cm_namespace = v.check(
        raw.get("configmap_namespace"),
        "dashboards.configmap_namespace",
        is_dns_label,
        "a Kubernetes name (lower case letters, digits and -)",
    )
    files = v.check(
        raw.get("files"),
        "dashboards.files",
        lambda x: isinstance(x, dict) and all(isinstance(k, str) for k in x),
        "a mapping of dashboard key to file name",
    )
    files = files if isinstance(files, dict) else {}
    for key, name in files.items():
        v.check(name, f"dashboards.files.{key}", is_file_name, "a file name such as nodes.json")
    for key in sorted(set(REQUIRED_DASHBOARDS) - set(files)):
        v.problem(f"dashboards.files.{key}", "missing; alerts link to this dashboard")
    return Dashboards(
        base_url=str(base),
        files={k: str(f) for k, f in files.items()},
        kiali_url=str(kiali),
        folder=str(folder),
        configmap_namespace=str(cm_namespace),
    )


def _logs(v: Validator, data: Any) -> LogsSettings:
    raw = v.mapping(data, "logs", ("error_filter", "service_label"))
    error_filter = v.check(
        raw.get("error_filter"),
        "logs.error_filter",
        is_line_filter,
        "a regular expression both LogQL (RE2) and Python take, such as (?i)(error|panic)",
    )
    label = v.check(raw.get("service_label"), "logs.service_label", is_label_name, _LN)
    return LogsSettings(error_filter=str(error_filter), service_label=str(label))


# Dashboards that alerts link to; the later dashboard generator may add more keys.
REQUIRED_DASHBOARDS = ("healthcheck", "haproxy", "nodes", "containers", "services")


def _prometheusrule(v: Validator, data: Any) -> PrometheusRuleSettings:
    raw = v.mapping(data, "prometheusrule", ("name", "namespace", "labels"))
    dns = "a Kubernetes name (lower case letters, digits and -)"
    name = v.check(raw.get("name"), "prometheusrule.name", is_dns_label, dns)
    namespace = v.check(raw.get("namespace"), "prometheusrule.namespace", is_dns_label, dns)
    labels = v.check(
        raw.get("labels"),
        "prometheusrule.labels",
        lambda x: isinstance(x, dict),
        "a mapping of Kubernetes labels",
    )
    labels = labels if isinstance(labels, dict) else {}
    for key, value in labels.items():
        where = f"prometheusrule.labels.{key}"
        v.check(
            key, where, is_k8s_label_key, "a Kubernetes label key such as app.kubernetes.io/name"
        )
        v.check(value, where, is_k8s_label_value, "a label value")
    return PrometheusRuleSettings(
        name=str(name), namespace=str(namespace), labels={str(k): str(x) for k, x in labels.items()}
    )


def _display_path(path: Path) -> str:
    """The path relative to the repository when it is inside it: stable in generated headers."""
    root = DEFAULT_CONFIG.parent.parent.resolve()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
