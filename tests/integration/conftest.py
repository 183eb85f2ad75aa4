"""VictoriaMetrics beside Prometheus over the same two days of raw series (tests/fixtures).

`victoria` builds, once per session, what a VictoriaMetrics user runs, next to the backfilled
Prometheus (tests/conftest.py `backfilled_prometheus`):

- `replayed`: VictoriaMetrics with the raw series, its recorded series written by
  `vmalert -replay` from the pack's rule files, one run per level (rules/levels.py), as a user
  gives the rules their history; the store "as installed";
- `same_samples`: VictoriaMetrics with the raw series and Prometheus' own recorded samples,
  copied exactly, so only the two query engines differ;
- `vmalert`: vmalert evaluating every rule file against `replayed` at the data's end, writing
  to a third VictoriaMetrics (`written`) and alerts to `sink`; both stores proxy their
  /api/v1/rules to it (`-vmalert.proxyURL`), where the reporter reads its thresholds.

About five seconds on top of the backfilled Prometheus.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rules.levels import Level, write_level_files
from tests.fixtures.backfilled import EVAL_INTERVAL, RULE_FILES, Backfilled
from tests.fixtures.victoria import (
    AlertSink,
    VictoriaMetricsProcess,
    Vmalert,
    VmalertProcess,
    copy_series,
    import_model,
)
from tests.helpers import free_port, require_binary


@dataclass
class Victoria:
    prometheus: Backfilled
    replayed: VictoriaMetricsProcess
    same_samples: VictoriaMetricsProcess
    written: VictoriaMetricsProcess
    vmalert: VmalertProcess
    sink: AlertSink
    rules: Vmalert
    levels: list[Level]
    dry_run: subprocess.CompletedProcess[str]
    replays: list[subprocess.CompletedProcess[str]]
    evaluated: list[dict[str, Any]]  # /api/v1/rules after the first evaluation


@pytest.fixture(scope="session")
def victoria(backfilled_prometheus: Backfilled, tmp_path_factory: Any) -> Iterator[Victoria]:
    binary = require_binary("victoria-metrics")
    rules = Vmalert(require_binary("vmalert"), RULE_FILES, tmp_path_factory.mktemp("vmalert"))
    work: Path = tmp_path_factory.mktemp("victoria")
    model = backfilled_prometheus.model
    dry_run = rules.dry_run()
    rules_url = f"http://127.0.0.1:{free_port()}"
    stops: list[Callable[[], None]] = []  # in start order
    try:
        replayed = VictoriaMetricsProcess(binary, work / "replayed", free_port(), rules_url)
        stops.append(replayed.stop)
        import_model(replayed, model)
        levels = write_level_files(RULE_FILES, work / "levels")
        replays = []
        for _, rule_file in levels:
            run = rules.replay(replayed.url, [rule_file], model.start, model.end, EVAL_INTERVAL)
            replays.append(run)
            replayed.flush()  # the next level reads this one

        same = VictoriaMetricsProcess(binary, work / "same", free_port(), rules_url)
        stops.append(same.stop)
        raw = import_model(same, model)
        records = {name for level, _ in levels for name in level.records}
        span = model.end - model.start + 1
        prometheus = backfilled_prometheus.prometheus
        copied = copy_series(prometheus, same, sorted(records), model.end, span)
        same.wait_series(raw + copied, model.start, model.end)

        written = VictoriaMetricsProcess(binary, work / "written", free_port())
        stops.append(written.stop)
        sink = AlertSink()
        stops.append(sink.close)
        port = int(rules_url.rsplit(":", 1)[1])
        lookback = int(time.time()) - model.end  # evaluate at the data's end
        vmalert = VmalertProcess(rules, replayed.url, written.url, sink.url, port, lookback)
        stops.append(vmalert.stop)
        evaluated = vmalert.wait_evaluated()
        yield Victoria(
            backfilled_prometheus,
            replayed,
            same,
            written,
            vmalert,
            sink,
            rules,
            [level for level, _ in levels],
            dry_run,
            replays,
            evaluated,
        )
    finally:
        for stop in reversed(stops):
            stop()
