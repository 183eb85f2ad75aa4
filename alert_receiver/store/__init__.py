"""The durable queue and the receiver's state: SQLite on one host, Redis across replicas."""

from __future__ import annotations

from alert_receiver.store.base import LeaseLost, Store, StoreError

__all__ = ["LeaseLost", "Store", "StoreError", "open_store"]


def open_store(settings, *, delivery: bool = False) -> Store:
    """The store the settings name: Redis when `REDIS_URL` is set, else SQLite.

    `delivery=True` (the delivery process) commits SQLite with `synchronous=NORMAL`: in WAL mode
    that survives kill -9, and what a power cut could take back is only delivery progress, which
    is re-run and de-duplicated (nonces). The intake's commits, to the inbox file, are always FULL.
    """
    if settings.redis_url:
        from alert_receiver.store.redis import RedisStore

        return RedisStore.from_url(
            settings.redis_url, prefix=settings.redis_prefix, retention=settings.retention
        )
    from alert_receiver.store.sqlite import SqliteStore

    sync = settings.sqlite_synchronous
    if delivery and sync == "FULL":
        sync = "NORMAL"
    return SqliteStore(settings.db_path, synchronous=sync)
