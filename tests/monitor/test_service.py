"""The ingest service: messages fed in are batched into the store; silent gateways time out."""

from __future__ import annotations

import asyncio

from cloud_sync.monitor.service import MonitorService
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.monitor.storage import Storage
from tests.monitor.helpers import birth, data, wait_until


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_fed_messages_are_stored_in_batches(storage: Storage) -> None:
    service = MonitorService(MonitorSettings(batch_max=500), storage.writer)
    writer = asyncio.create_task(service.write_loop())
    try:
        for n in range(2000):
            service.feed(*data(key=f"k{n}", seq=n + 1))
        service.feed("ccg/v1/gw-a/data/stock", b"nope")
        await asyncio.wait_for(service.drained(), 30)
    finally:
        writer.cancel()
        service.close()
    assert service.stats.received == 2001 and service.stats.stored == 2000
    assert service.stats.rejected == {"malformed": 1}
    assert service.stats.batches >= 4  # no transaction holds more than batch_max
    assert storage.queries.count_messages() == 2000


async def test_sweeper_marks_silent_gateway_offline(storage: Storage) -> None:
    clock = Clock(1000.0)
    service = MonitorService(MonitorSettings(sweep_interval_s=0.01), storage.writer, clock=clock)
    writer = asyncio.create_task(service.write_loop())
    sweeper = asyncio.create_task(service.sweep_loop())
    try:
        service.feed(*birth("gw-a", 1, keepalive_s=2))
        await asyncio.wait_for(service.drained(), 30)
        clock.now = 1003.5  # 1.75 x keep-alive of silence
        await wait_until(lambda: not storage.queries.gateways(clock.now)[0]["online"])
    finally:
        writer.cancel()
        sweeper.cancel()
        service.close()
    assert storage.queries.gateways(clock.now)[0]["offline_reason"] == "timeout"
    assert service.stats.timed_out == 1


async def test_database_down_keeps_messages_until_it_is_back(storage: Storage) -> None:
    service = MonitorService(MonitorSettings(max_pending=3), storage.writer)
    broken = storage.writer.apply

    def refuse(items: object) -> object:
        from cloud_sync.monitor.errors import StorageError

        raise StorageError("storing a batch", OSError("database down"))

    storage.writer.apply = refuse  # type: ignore[method-assign, assignment]
    writer = asyncio.create_task(service.write_loop())
    try:
        for n in range(5):
            service.feed(*data(key=f"k{n}", seq=n + 1))
        await wait_until(lambda: service.stats.storage_errors > 0)
        storage.writer.apply = broken  # type: ignore[method-assign]
        await asyncio.wait_for(service.drained(), 30)
    finally:
        writer.cancel()
        service.close()
    assert service.stats.dropped == 2 and service.stats.stored == 3
    assert storage.queries.count_messages() == 3
