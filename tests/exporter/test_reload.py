"""ConfigHolder: reloads keep a good config over a bad one, and the watcher skips half-writes."""

from __future__ import annotations

import pytest

from exporter.config import ConfigError
from exporter.reload import ConfigHolder


def _values(holder: ConfigHolder) -> dict[str, float]:
    return {f.name: f.samples[0].value for f in holder.collect()}


def test_first_load_must_succeed(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("timeout: never\n")
    with pytest.raises(ConfigError):
        ConfigHolder(str(bad))


def test_bad_reload_keeps_running_config_and_reports_it(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("disk:\n  - name: a\n    path: /\n")
    clock = iter([100.0, 200.0])
    holder = ConfigHolder(str(path), clock=lambda: next(clock))
    path.write_text("disk: 3\n")
    assert not holder.reload()
    assert [t.name for t in holder.config.targets()] == ["a"]
    assert _values(holder) == {
        "healthcheck_config_last_reload_successful": 0,
        "healthcheck_config_last_reload_success_timestamp_seconds": 100.0,
    }
    path.write_text("disk:\n  - name: b\n    path: /\n")
    assert holder.reload()
    assert [t.name for t in holder.config.targets()] == ["b"]
    assert _values(holder)["healthcheck_config_last_reload_success_timestamp_seconds"] == 200.0


def test_change_is_reported_once_the_content_is_stable(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("disk:\n  - name: a\n    path: /\n")
    holder = ConfigHolder(str(path))
    assert not holder.changed_on_disk()
    path.write_text("")  # an editor truncated the file and has not written it yet
    assert not holder.changed_on_disk()
    path.write_text("disk:\n  - name: b\n    path: /\n")
    assert not holder.changed_on_disk()  # changed again since the last look: wait
    assert holder.changed_on_disk()
    holder.reload()
    assert not holder.changed_on_disk()
