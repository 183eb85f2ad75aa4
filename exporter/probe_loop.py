"""One asyncio event loop in a daemon thread, shared by every scrape.

A fresh `asyncio.run()` per scrape would be simpler but its shutdown waits for the executor's
threads, so one statvfs stuck on a dead NFS mount or one slow DNS lookup would hold the scrape.
The HTTP server's threads hand coroutines to this loop and wait with a bound.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class ProbeLoop:
    def __init__(self, resolver_threads: int = 16) -> None:
        self._loop = asyncio.new_event_loop()
        # getaddrinfo runs in the default executor; the stock size (cores + 4) is too small for a
        # round of many names when a resolver is slow.
        self._resolver = concurrent.futures.ThreadPoolExecutor(
            resolver_threads, thread_name_prefix="resolver"
        )
        self._loop.set_default_executor(self._resolver)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="probe-loop", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coro` on the loop; cancel it if it outlives `timeout` (a safety net only)."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()
        self._resolver.shutdown(wait=False, cancel_futures=True)
