"""The collector: concurrency, deadlines, isolation of failures, nothing kept between scrapes."""

from __future__ import annotations

import contextlib
import time

from prometheus_client import CollectorRegistry, generate_latest

from exporter.collector import HealthcheckCollector, probe_deadline
from exporter.config import parse_config
from exporter.probers import PROBERS, ProbeResult
from tests.helpers import accept_and_close, blackhole, refused_port, samples, value


def test_deadline_is_capped_by_scrape_timeout_minus_offset():
    assert probe_deadline(5.0, None, 0.5) == 5.0
    assert probe_deadline(5.0, 10.0, 0.5) == 5.0
    assert probe_deadline(5.0, 2.0, 0.5) == 1.5
    assert probe_deadline(5.0, 0.3, 0.5) == 0.3  # an offset larger than the timeout is ignored


def test_many_blackholed_targets_take_one_timeout_not_their_sum(probe_loop):
    with contextlib.ExitStack() as stack:
        dark = [stack.enter_context(blackhole()) for _ in range(20)]
        live = stack.enter_context(accept_and_close())
        tcp = [{"name": f"dark{i}", "address": a} for i, a in enumerate(dark)]
        tcp.append({"name": "live", "address": live.address})
        tcp.append({"name": "refused", "address": f"127.0.0.1:{refused_port()}"})
        cfg = parse_config({"timeout": "1s", "tcp": tcp})
        start = time.perf_counter()
        found = samples(HealthcheckCollector(cfg, probe_loop))
        elapsed = time.perf_counter() - start
    assert elapsed < 1.5
    assert value(found, "healthcheck_probe_success", kind="tcp", target="live") == 1
    assert value(found, "healthcheck_probe_success", kind="tcp", target="refused") == 0
    for i in range(20):
        assert value(found, "healthcheck_probe_success", kind="tcp", target=f"dark{i}") == 0
    assert value(found, "healthcheck_targets", kind="tcp") == 22
    assert value(found, "healthcheck_targets", kind="http") == 0
    assert 0.95 < value(found, "healthcheck_scrape_duration_seconds") <= elapsed


def test_a_crashing_prober_costs_one_target_only(probe_loop):
    async def crash(target, log):
        raise RuntimeError("bug")

    async def fine(target, log):
        return ProbeResult(True)

    cfg = parse_config(
        {"disk": [{"name": "a", "path": "/"}], "tcp": [{"name": "b", "address": "127.0.0.1:1"}]}
    )
    probers = {**PROBERS, "disk": crash, "tcp": fine}
    collector = HealthcheckCollector(cfg, probe_loop, probers=probers)
    found = samples(collector)
    assert value(found, "healthcheck_probe_success", kind="disk", target="a") == 0
    assert value(found, "healthcheck_probe_success", kind="tcp", target="b") == 1
    (outcome,) = [o for o in collector.outcomes if o.target.kind == "disk"]
    assert "RuntimeError('bug')" in outcome.log.lines[-1]


def test_removed_target_disappears_from_the_next_scrape(probe_loop, tmp_path):
    both = parse_config(
        {"disk": [{"name": "a", "path": str(tmp_path)}, {"name": "b", "path": "/"}]}
    )
    one = parse_config({"disk": [{"name": "a", "path": str(tmp_path)}]})
    assert (
        value(
            samples(HealthcheckCollector(both, probe_loop)),
            "healthcheck_probe_success",
            kind="disk",
            target="b",
        )
        == 1
    )
    found = samples(HealthcheckCollector(one, probe_loop))
    assert value(found, "healthcheck_probe_success", kind="disk", target="b") is None
    assert value(found, "healthcheck_disk_used_ratio", target="b", mountpoint="/") is None


def test_exposition_has_help_and_types(probe_loop, tmp_path):
    cfg = parse_config({"disk": [{"name": "a", "path": str(tmp_path)}]})
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthcheckCollector(cfg, probe_loop))
    text = generate_latest(registry).decode()
    for name, kind in [
        ("healthcheck_probe_success", "gauge"),
        ("healthcheck_probe_duration_seconds", "gauge"),
        ("healthcheck_disk_used_ratio", "gauge"),
        ("healthcheck_scrape_duration_seconds", "gauge"),
    ]:
        assert f"# HELP {name} " in text
        assert f"# TYPE {name} {kind}" in text


def test_registering_does_not_probe(probe_loop):
    calls = []

    async def counting(target, log):
        calls.append(target.name)
        return ProbeResult(True)

    cfg = parse_config({"tcp": [{"name": "x", "address": "127.0.0.1:1"}]})
    registry = CollectorRegistry()  # auto_describe=True: describe() must stop a collect here
    registry.register(HealthcheckCollector(cfg, probe_loop, probers={**PROBERS, "tcp": counting}))
    assert calls == []
