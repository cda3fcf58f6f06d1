"""Fixtures for the uplink tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud_sync.uplink import UplinkService, UplinkSettings
from edge.core.bus import Bus
from edge.core.store import Store
from tests.brokers import Mosquitto
from tests.uplink.helpers import Collector, collecting, open_store


def make_settings(tmp_path: Path, broker: Mosquitto, **kwargs: Any) -> UplinkSettings:
    base: dict[str, Any] = {
        "gateway_id": "gw-a",
        "broker_host": broker.host,
        "broker_port": broker.port,
        "tls": False,
        "hmac_key_file": tmp_path / "keys" / "hmac.key",
        "backoff_initial_s": 0.1,
        "backoff_max_s": 0.5,
        "clock_check": "trust",
        "window_settle_s": 0,
    }
    base.update(kwargs)
    return UplinkSettings(**base)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "gateway.db")
    yield s
    s.close()


@pytest.fixture
async def collector(mosquitto: Mosquitto) -> AsyncIterator[Collector]:
    async with collecting(mosquitto) as found:
        yield found


@pytest.fixture
async def run_service() -> AsyncIterator[Callable[..., UplinkService]]:
    tasks: list[asyncio.Task[None]] = []

    def start(
        settings: UplinkSettings, store: Store, bus: Bus | None = None, **kwargs: Any
    ) -> UplinkService:
        service = UplinkService(settings, store, bus or Bus(), **kwargs)
        tasks.append(asyncio.create_task(service.run()))
        return service

    yield start
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
