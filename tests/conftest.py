from __future__ import annotations

import pytest

from exporter.probe_loop import ProbeLoop


@pytest.fixture
def probe_loop():
    loop = ProbeLoop()
    yield loop
    loop.close()
