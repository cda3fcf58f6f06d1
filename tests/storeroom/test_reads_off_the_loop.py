"""No storeroom read touches the disk on an event loop: the page, the API, /metrics, start-up.

The store here fails any read made on a thread that runs an event loop (FastAPI's TestClient
serves the app on one); reads through ``await store.read(...)`` run on the store's reader
threads and pass. Every route is called, and the test checks that the guard did see reads, so
it cannot pass by guarding nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import sqlite_utils
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.core.bus import Bus
from edge.core.store import Store
from edge.runtime.metrics import create_metrics_router, storeroom_metrics
from edge.storeroom import MIGRATIONS, StoreroomService, create_router
from edge.storeroom.settings import ItemSettings, MqttSettings, ShelfSettings, StoreroomSettings
from firmware_interfaces.events import ShelfWeight
from tests.storeroom.conftest import FakeClock

T = TypeVar("T")

SETTINGS = StoreroomSettings(
    items=(
        ItemSettings(
            key="gloves", unit="box", unit_weight_kg=0.5, shelf="s1", lead_time_days=3, minimum=5
        ),
        ItemSettings(key="kits", unit="kit", unit_weight_kg=0.05, lead_time_days=7),
    ),
    shelves=(ShelfSettings(key="s1", source="mqtt"),),
    mqtt=MqttSettings(),
)


class LoopGuardStore(Store):
    """A store that fails a read made on an event loop's thread, and counts the others."""

    reads_off_loop = 0

    def read_sync(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.reads_off_loop += 1
            return super().read_sync(fn)
        raise AssertionError(f"a disk read on the event loop ({threading.current_thread().name})")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LoopGuardStore]:
    guarded = LoopGuardStore(tmp_path / "gw.db", [MIGRATIONS])
    with guarded:
        yield guarded


async def test_the_guard_catches_a_read_on_the_loop(store: LoopGuardStore) -> None:
    with pytest.raises(AssertionError, match="on the event loop"):
        store.read_sync(lambda db: None)
    assert await store.read(lambda db: 1) == 1  # the reader threads are fine


async def test_start_up_reads_off_the_loop(store: LoopGuardStore) -> None:
    service = StoreroomService(SETTINGS, store, Bus(), clock=FakeClock())
    with pytest.raises(RuntimeError, match=r"await StoreroomService\.start"):
        service.load()
    await service.start()
    assert store.reads_off_loop == 1


def test_every_route_and_metrics_read_off_the_loop(store: LoopGuardStore) -> None:
    clock = FakeClock()
    service = StoreroomService(SETTINGS, store, Bus(), clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await service.start()  # as the gateway's storeroom task does
        yield

    def readings() -> None:  # 20 boxes, then 4: LOW
        for kg in (10.0, 2.0):
            for _ in range(50):
                service.handle("s1", ShelfWeight(kg))
                clock.advance(0.1)

    app = FastAPI(lifespan=lifespan)
    app.include_router(create_router(service))
    app.include_router(
        create_metrics_router([storeroom_metrics(service.items, service.open_alerts)])
    )
    with TestClient(app) as client:
        assert client.portal is not None
        client.portal.call(readings)  # on the app's loop, as a transport would
        before = store.reads_off_loop
        for path in (
            "/storeroom",
            "/api/storeroom/items",
            "/api/storeroom/items/gloves/trend?days=7",
            "/api/storeroom/alerts",
            "/api/storeroom/alerts?history=true",
            "/api/storeroom/sensors",
            "/metrics",
        ):
            assert client.get(path).status_code == 200, path
        alert_id = client.get("/api/storeroom/alerts").json()[0]["alert_id"]
        for path, body in (
            (f"/api/storeroom/alerts/{alert_id}/ack", None),
            ("/api/storeroom/orders", {"item": "gloves", "quantity": 10}),
            ("/api/storeroom/counts", {"item": "kits", "count": 3}),
            ("/api/storeroom/deliveries", {"item": "kits", "quantity": 2}),
        ):
            assert client.post(path, json=body).status_code == 200, path
        assert store.reads_off_loop - before == 2  # the trend and the alert history
        metrics = client.get("/metrics").text
        assert 'ccg_stock_on_hand{item="gloves"} 4.0' in metrics
