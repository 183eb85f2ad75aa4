"""collect() against a real Prometheus over the synthetic cluster (tests/fixtures), FakeLokiMetrics
and FakeKubernetesAPI: the figures are the model's truth, and a failing source only empties its
own sections."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.kubernetes import KubernetesClient
from integrations.loki import LokiClient
from integrations.prometheus import PrometheusClient
from reporter import Clients, collect
from reporter.model import NOT_CONFIGURED
from reporter.period import period_for
from tests.fakes.kubernetes import FakeKubernetesAPI, node, pod
from tests.fakes.loki_metrics import FakeLokiMetrics
from tests.helpers import refused_port
from tests.reporter.conftest import END, SEOUL

pytestmark = pytest.mark.integration
WEEK = period_for("weekly", END, SEOUL)


def _mean(values):
    values = list(values)
    return sum(values) / len(values)


def _times(model, period):
    start, end = int(period.start.timestamp()), int(period.end.timestamp())
    return [t for t in model.history_times() if start <= t <= end]


@pytest.fixture
def prom(report_prometheus):
    client = PrometheusClient(report_prometheus[0].url, timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="module")
def week(report_prometheus):
    client = PrometheusClient(report_prometheus[0].url, timeout=30)
    try:
        yield collect(WEEK, Clients(prometheus=client))
    finally:
        client.close()


def test_node_usage_is_the_models(week, report_prometheus):
    model = report_prometheus[1]
    times = _times(model, WEEK)
    for i, n in enumerate(week.nodes):
        assert n.instance == f"node-{i + 1}"
        assert n.cpu.avg == pytest.approx(_mean(model.node_cpu(i, t) for t in times), rel=1e-3)
        assert n.cpu.peak == pytest.approx(max(model.node_cpu(i, t) for t in times), rel=1e-3)
        assert n.memory.avg == pytest.approx(
            _mean(model.node_memory(i, t) for t in times), rel=1e-3
        )
        assert n.disk.peak == pytest.approx(max(model.node_disk(i, t) for t in times), rel=1e-3)
        assert n.disk_mountpoint == "/"
    cpu = week.figure("cpu_avg")
    expected = _mean(_mean(model.node_cpu(i, t) for i in range(model.nodes)) for t in times)
    assert cpu.value == pytest.approx(expected * 100, rel=1e-3)
    assert week.cluster == model.cluster


def test_top_pods_containers_and_restarts(week, report_prometheus):
    model = report_prometheus[1]
    times = _times(model, WEEK)
    busiest = max(model.pod_list, key=lambda p: _mean(model.pod_cpu(p, t) for t in times))
    top = week.top_pods_cpu[0]
    assert (top.namespace, top.pod, top.node) == (busiest.namespace, busiest.pod, busiest.node)
    assert top.cpu_avg == pytest.approx(_mean(model.pod_cpu(busiest, t) for t in times), rel=1e-3)
    # pod 2 grows towards its memory limit and is OOM-killed every two days
    oom = model.pod_list[2]
    assert week.containers[0].pod == oom.pod
    assert week.containers[0].memory_limit_peak == pytest.approx(
        max(model.pod_memory(oom, t) for t in times) / oom.memory_limit, rel=1e-3
    )
    start, end = int(WEEK.start.timestamp()), int(WEEK.end.timestamp())
    restarts = model.pod_restarts(oom, end) - model.pod_restarts(oom, start)
    assert [(r.pod, r.restarts, r.oom_kills) for r in week.restarts] == [
        (oom.pod, restarts, restarts)
    ]


def test_traffic_probes_and_alerts(week, report_prometheus):
    model = report_prometheus[1]
    seconds, times = WEEK.seconds, _times(model, WEEK)
    stages = {s.stage: s for s in week.stages}
    for stage in ("haproxy", "istio", "application"):
        rate = _mean(model.stage_5xx_rate(stage, t) for t in times)
        assert stages[stage].total == pytest.approx(rate * seconds, rel=1e-3)
    services = {s.service: s for s in week.services}
    for s in model.services:
        requests = _mean(model.service_rate(s, t) for t in times)
        assert services[s.name].requests == pytest.approx(requests * seconds, rel=1e-3)
        ratio = _mean(model.service_5xx_rate(s, t) for t in times) / requests
        assert services[s.name].error_ratio == pytest.approx(ratio, rel=1e-3, abs=1e-9)
        assert services[s.name].latency_avg == pytest.approx(model.service_quantile(s, 0.95))
    probes = {p.target: p for p in week.probes}
    outage = model.outages[0]  # every node fails orders-db for 40 minutes
    assert probes[outage.target].down_minutes == pytest.approx(40, abs=1)
    assert probes[outage.target].failures == 1
    assert probes[outage.target].availability == pytest.approx(1 - 40 / (7 * 1440), abs=2e-5)
    assert probes["payments-db"].down_minutes == 0  # one node of three
    assert probes["payments-db"].degraded_minutes == pytest.approx(20, abs=1)
    alerts = {a.alertname: a for a in week.alerts}
    assert alerts["HealthcheckProbeFailed"].fired == 1
    assert alerts["HealthcheckProbeFailed"].severity == "critical"
    assert alerts["HealthcheckProbeFailed"].firing_minutes == pytest.approx(40, abs=1)
    assert "HealthcheckWatchdog" not in alerts


def test_previous_week_and_change(week, report_prometheus):
    model = report_prometheus[1]
    assert week.figure("availability").previous == 100.0  # no outage the week before
    assert week.figure("availability").better is False
    restarts = week.figure("restarts")
    prev_start = int((WEEK.start - timedelta(days=7)).timestamp())
    oom = model.pod_list[2]
    expected = model.pod_restarts(oom, int(WEEK.start.timestamp())) - model.pod_restarts(
        oom, prev_start
    )
    assert restarts.previous == expected
    assert week.previous.start == WEEK.start - timedelta(days=7)


def test_few_queries_and_charts(week):
    assert week.queries == 23
    assert [s.name for s in week.usage_series] == ["cpu_avg", "cpu_max", "memory_avg", "memory_max"]
    assert all(len(s.points) == 7 * 48 for s in week.usage_series)  # one point per 30 minutes
    assert {s.name for s in week.error_series} == {"haproxy", "istio", "application"}
    assert week.missing == {"inventory": NOT_CONFIGURED, "logs": NOT_CONFIGURED}
    assert week.failed_sources == {}


def test_loki_and_kubernetes_sections(report_prometheus, prom, tmp_path):
    with FakeLokiMetrics() as loki_fake, FakeKubernetesAPI() as kube_fake:
        labels = {"namespace": "shop", "app": "api"}
        for i in range(30):
            loki_fake.add(labels, WEEK.start + timedelta(hours=5 * i + 1), f"ERROR timeout {i} ms")
        loki_fake.add(
            {"namespace": "shop", "app": "worker"},
            WEEK.end - timedelta(hours=1),
            '{"level":"error","msg":"db password=hunter2 refused"}',
        )
        loki_fake.add(labels, WEEK.start - timedelta(hours=3), "ERROR last week")
        loki_fake.add(labels, WEEK.start + timedelta(hours=2), "INFO all good")
        kube_fake.nodes = [node("node-1"), node("node-2", ready=False)]
        kube_fake.pods = [pod("shop", "api-1"), pod("shop", "api-2", "Pending")]
        kube = KubernetesClient.from_config(
            kubeconfig=str(kube_fake.kubeconfig(tmp_path)), environ={}
        )
        loki = LokiClient(loki_fake.url)
        try:
            data = collect(WEEK, Clients(prometheus=prom, kubernetes=kube, loki=loki))
        finally:
            kube.close()
            loki.close()
    assert data.missing == {}
    assert data.logs.total == 31
    assert data.logs.by_service == (("api", 30.0), ("worker", 1.0))
    assert sum(v for _, v in data.logs.series.points) == 31
    assert data.logs.messages[0].message == "ERROR timeout <n> ms"
    assert data.logs.messages[0].count == 30
    assert any("password=[REDACTED]" in m.message for m in data.logs.messages)
    assert not any("hunter2" in m.message for m in data.logs.messages)
    assert data.figure("log_errors").previous == 1
    assert [n.name for n in data.inventory.nodes] == ["node-1", "node-2"]
    assert data.inventory.pods_by_phase == {"shop": {"Running": 1, "Pending": 1}}


def test_each_source_down_empties_only_its_sections(report_prometheus, tmp_path):
    down = f"http://127.0.0.1:{refused_port()}"
    with FakeKubernetesAPI() as kube_fake:
        kube_fake.fail_status = 500
        kube = KubernetesClient.from_config(
            kubeconfig=str(kube_fake.kubeconfig(tmp_path)), environ={}
        )
        prom = PrometheusClient(down, timeout=2)
        loki = LokiClient(down, timeout=2)
        try:
            data = collect(WEEK, Clients(prometheus=prom, kubernetes=kube, loki=loki))
        finally:
            for c in (kube, prom, loki):
                c.close()
    assert set(data.failed_sources) == {"prometheus", "kubernetes", "loki"}
    assert "cannot reach" in data.sources["prometheus"]
    assert "500" in data.sources["kubernetes"]
    assert set(data.missing) == {
        "usage",
        "workloads",
        "restarts",
        "traffic",
        "probes",
        "alerts",
        "comparison",
        "inventory",
        "logs",
    }
    assert all(f.value is None for f in data.figures)


def test_extra_selector_and_a_report_minutes_old(week, report_prometheus, prom):
    from reporter import Options
    from reporter.queries import Queries

    same = collect(
        WEEK, Clients(prometheus=prom), Options(queries=Queries('cluster="bravo-onprem"'))
    )
    assert same.figure("cpu_avg").value == pytest.approx(week.figure("cpu_avg").value)
    other = collect(WEEK, Clients(prometheus=prom), Options(queries=Queries('cluster="other"')))
    assert other.failed_sources == {}
    assert other.nodes == ()
    assert other.figure("cpu_avg").value is None
    young = period_for("daily", WEEK.end + timedelta(minutes=3), SEOUL)
    data = collect(young, Clients(prometheus=prom))
    assert data.failed_sources == {}
    assert data.usage_series == ()


def test_no_comparison_with_a_barely_covered_previous_period(prom):
    # The fixture starts 15 days before END: the week before this one has a single day of data.
    week = period_for("weekly", WEEK.start, SEOUL)
    data = collect(week, Clients(prometheus=prom))
    assert not data.comparable
    assert data.figure("cpu_avg").value is not None
    assert all(f.previous is None for f in data.figures)
