"""The shipped settings the time to page is made of agree wherever they are written: the
PodMonitor's scrape, the rules' window, the demo's Prometheus, Alertmanager's critical route and
the exporter's probe timeout (rules/README.md, "Time to page")."""

from __future__ import annotations

import json

import yaml

from demo.configs import exporter_scrape, prometheus_config
from exporter.config import load_config as load_exporter_config
from rules import load_config
from runtime.durations import parse_duration
from tests.k8s.conftest import K8S

EXPORTER_TIMEOUT_OFFSET = 0.5  # healthcheck-exporter's --timeout-offset default, as deployed


def test_the_podmonitor_scrapes_as_the_rules_expect() -> None:
    rules = load_config().healthcheck
    assert exporter_scrape() == (rules.scrape_interval, rules.scrape_timeout)


def test_the_demo_and_the_e2e_test_scrape_as_the_podmonitor() -> None:
    config = json.loads(prometheus_config("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "n"))
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "healthcheck-exporter"]
    assert (job["scrape_interval"], job["scrape_timeout"]) == exporter_scrape()


def test_the_readme_example_without_the_operator_scrapes_as_the_podmonitor() -> None:
    """k8s/README.md's prometheus.yml for clusters without prometheus-operator is copied as it
    is: its exporter job must scrape as the PodMonitor does."""
    readme = (K8S / "README.md").read_text()
    example = readme.split("## Without prometheus-operator", 1)[1].split("```yaml", 1)[1]
    config = yaml.safe_load(example.split("```", 1)[0])
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "healthcheck-exporter"]
    assert (job["scrape_interval"], job["scrape_timeout"]) == exporter_scrape()


def test_probes_end_before_the_scrape_does() -> None:
    daemonset = yaml.safe_load((K8S / "exporter" / "daemonset.yaml").read_text())
    [container] = daemonset["spec"]["template"]["spec"]["containers"]
    assert not any(a.startswith("--timeout-offset") for a in container["args"])
    budget = parse_duration(exporter_scrape()[1]) - EXPORTER_TIMEOUT_OFFSET
    cfg = load_exporter_config(K8S / "exporter" / "exporter.yml")
    assert all(t.timeout <= budget for t in cfg.targets())


def test_the_critical_probe_route_sends_at_once() -> None:
    am = yaml.safe_load((K8S / "alertmanager" / "alertmanager.yml").read_text())
    [route] = [r for r in am["route"]["routes"] if 'alertname="HealthcheckProbeFailed"' in str(r)]
    assert route["group_wait"] == "0s"
    crd = yaml.safe_load((K8S / "alertmanager" / "alertmanagerconfig.yaml").read_text())
    [route] = [
        r for r in crd["spec"]["route"]["routes"] if "HealthcheckProbeFailed" in str(r["matchers"])
    ]
    assert route["groupWait"] == "0s"
