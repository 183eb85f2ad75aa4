"""Disk prober: used ratio, size and available bytes of a path, from statvfs.

In the DaemonSet the host's mounts are hostPath volumes, read-only; `mountpoint` names the host
path for the label. statvfs runs in a thread because a dead NFS server makes it block in the
kernel; a path whose earlier call has not returned fails at once instead of stacking up one stuck
thread per scrape.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable

from exporter.config import DiskTarget
from exporter.probers.result import MetricSpec, ProbeResult, Sample

_LABELS = ("target", "mountpoint")
METRICS = {
    "healthcheck_disk_used_ratio": MetricSpec(
        "gauge", "Used share of the filesystem, as df's Use% computes it (0-1).", _LABELS
    ),
    "healthcheck_disk_size_bytes": MetricSpec("gauge", "Filesystem size.", _LABELS),
    "healthcheck_disk_avail_bytes": MetricSpec(
        "gauge", "Bytes available to unprivileged users.", _LABELS
    ),
    "healthcheck_disk_inodes_used_ratio": MetricSpec(
        "gauge",
        "Used share of the filesystem's inodes (0-1); absent where it has no limit.",
        _LABELS,
    ),
}

_in_flight: dict[str, threading.Thread] = {}


def disk_samples(t: DiskTarget, st: os.statvfs_result) -> list[Sample]:
    labels = (t.name, t.mountpoint or t.path)
    size = st.f_blocks * st.f_frsize
    avail = st.f_bavail * st.f_frsize
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    # df's Use%: the root-reserved blocks count as neither used nor available.
    ratio = used / (used + avail) if used + avail else 0.0
    samples = [
        Sample("healthcheck_disk_used_ratio", labels, ratio),
        Sample("healthcheck_disk_size_bytes", labels, size),
        Sample("healthcheck_disk_avail_bytes", labels, avail),
    ]
    if st.f_files:
        inodes = (st.f_files - st.f_ffree) / st.f_files
        samples.append(Sample("healthcheck_disk_inodes_used_ratio", labels, inodes))
    return samples


def _statvfs_in_thread(path: str) -> asyncio.Future[os.statvfs_result]:
    """A daemon thread per call, not a pool: a pool's threads are joined at exit, so one stuck in
    a dead mount would stop the pod from ever shutting down on SIGTERM."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[os.statvfs_result] = loop.create_future()

    def settle(outcome: os.statvfs_result | OSError) -> None:
        if future.done():
            return  # the probe timed out and stopped waiting
        if isinstance(outcome, OSError):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def run() -> None:
        try:
            result = os.statvfs(path)
        except OSError as e:
            loop.call_soon_threadsafe(settle, e)
        else:
            loop.call_soon_threadsafe(settle, result)

    thread = threading.Thread(target=run, name=f"statvfs {path}", daemon=True)
    _in_flight[path] = thread
    thread.start()
    return future


async def probe_disk(t: DiskTarget, log: Callable[[str], None]) -> ProbeResult:
    earlier = _in_flight.get(t.path)
    if earlier is not None and earlier.is_alive():
        log(f"statvfs({t.path}) from an earlier scrape has not returned: hung mount?")
        return ProbeResult(False)
    try:
        st = await _statvfs_in_thread(t.path)
    except OSError as e:
        log(f"statvfs({t.path}): {e.strerror or e}")
        return ProbeResult(False)
    return ProbeResult(True, disk_samples(t, st))
