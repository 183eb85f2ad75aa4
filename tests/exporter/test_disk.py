"""Disk prober against real filesystems on this machine."""

from __future__ import annotations

import asyncio
import os

from exporter.config import parse_config
from exporter.probers import ProbeLog
from exporter.probers.disk import probe_disk


def _probe(**entry):
    target = parse_config({"disk": [{"name": "d", **entry}]}).disk[0]
    log = ProbeLog()
    result = asyncio.run(probe_disk(target, log))
    return result, {s.name: (s.labels, s.value) for s in result.samples}, log.lines


def test_reports_used_ratio_size_and_avail_as_df_does(tmp_path):
    result, found, _ = _probe(path=str(tmp_path))
    st = os.statvfs(tmp_path)
    assert result.success
    labels, size = found["healthcheck_disk_size_bytes"]
    assert labels == ("d", str(tmp_path))
    assert size == st.f_blocks * st.f_frsize
    # Available space moves as other tests write; allow for it.
    assert abs(found["healthcheck_disk_avail_bytes"][1] - st.f_bavail * st.f_frsize) < 64 << 20
    used = st.f_blocks - st.f_bfree
    assert abs(found["healthcheck_disk_used_ratio"][1] - used / (used + st.f_bavail)) < 0.01
    assert 0 <= found["healthcheck_disk_inodes_used_ratio"][1] <= 1


def test_mountpoint_label_names_the_host_path(tmp_path):
    _, found, _ = _probe(path=str(tmp_path), mountpoint="/var/lib/docker")
    assert found["healthcheck_disk_used_ratio"][0] == ("d", "/var/lib/docker")


def test_missing_path_fails_with_reason(tmp_path):
    result, found, lines = _probe(path=str(tmp_path / "absent"))
    assert not result.success
    assert found == {}
    assert "No such file or directory" in lines[-1]
