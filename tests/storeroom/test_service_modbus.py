"""The running service with a Modbus bus: pymodbus's server on a real pty pair."""

from __future__ import annotations

import asyncio
import contextlib
import math
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import MIGRATIONS, StoreroomService
from edge.storeroom.settings import (
    AlertSettings,
    ClimateSettings,
    FilterSettings,
    ItemSettings,
    ModbusBusSettings,
    ShelfSettings,
    StoreroomSettings,
)
from firmware_interfaces.modbus.nullmodem import NullModem
from firmware_interfaces.modbus.profiles import WEIGHT_FLOAT32, WEIGHT_INT32_GRAMS_CDAB
from firmware_interfaces.modbus.simulator import (
    ModbusBusSimulator,
    SimulatedClimate,
    SimulatedShelf,
)
from tests.storeroom.conftest import eventually


@pytest.fixture
async def running(
    tmp_path: Path,
) -> AsyncIterator[tuple[StoreroomService, SimulatedShelf, SimulatedShelf, SimulatedClimate]]:
    shelf_a = SimulatedShelf(1, WEIGHT_FLOAT32, kilograms=1.0 + 20 * 0.25)
    shelf_b = SimulatedShelf(2, WEIGHT_INT32_GRAMS_CDAB, kilograms=12 * 0.5)
    climate = SimulatedClimate(7, celsius=21.5, humidity=40.0)
    with NullModem() as cable:
        settings = StoreroomSettings(
            items=(
                ItemSettings(
                    key="masks",
                    unit_weight_kg=0.25,
                    shelf="a",
                    container_tare_kg=1.0,
                    lead_time_days=3,
                    minimum=2,
                ),
                ItemSettings(key="gel", unit_weight_kg=0.5, shelf="b", lead_time_days=3),
            ),
            shelves=(
                ShelfSettings(key="a", source="modbus", bus="rs485", address=1, poll_seconds=0.05),
                ShelfSettings(
                    key="b",
                    source="modbus",
                    bus="rs485",
                    address=2,
                    profile="int32-grams-cdab",
                    poll_seconds=0.05,
                ),
            ),
            climate=(ClimateSettings(key="room", bus="rs485", address=7, poll_seconds=0.1),),
            buses=(
                ModbusBusSettings(
                    key="rs485", port=cable.port_b, baudrate=19200, timeout_seconds=0.3, retries=0
                ),
            ),
            filter=FilterSettings(settle_seconds=0.3),
            alerts=AlertSettings(fault_alert_after_seconds=0.5, fault_clear_seconds=0.5),
            tick_seconds=0.1,
        )
        sim = ModbusBusSimulator(cable.port_a, [shelf_a, shelf_b, climate], baudrate=19200)
        async with sim:
            with Store(tmp_path / "gw.db", [MIGRATIONS]) as store:
                service = StoreroomService(settings, store, Bus())
                task = asyncio.create_task(service.run())
                try:
                    yield service, shelf_a, shelf_b, climate
                finally:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task


def on_hand(service: StoreroomService, item: str) -> float | None:
    return service.item_view(item).on_hand


def sensor(service: StoreroomService, key: str) -> tuple[str, str]:
    s = next(s for s in service.sensors() if s.key == key)
    return s.state, s.reason


async def test_counts_from_modbus_shelves_and_climate(
    running: tuple[StoreroomService, SimulatedShelf, SimulatedShelf, SimulatedClimate],
) -> None:
    service, shelf_a, _shelf_b, _climate = running
    await eventually(lambda: on_hand(service, "masks") == 20 and on_hand(service, "gel") == 12)
    await eventually(lambda: sensor(service, "room")[0] == "ok")
    shelf_a.kilograms -= 3 * 0.25
    await eventually(lambda: on_hand(service, "masks") == 17)
    await service.shelf_command("a", "tare")
    assert shelf_a.commands == ["tare"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("nan", "not a number"),
        ("swapped", "word order looks swapped"),
        ("silent", "silent: no answer from device 1"),
        ("exception", "exception response 4 (device failure)"),
        ("negative", "negative weight"),
    ],
)
async def test_shelf_faults_never_read_as_out_of_stock(
    running: tuple[StoreroomService, SimulatedShelf, SimulatedShelf, SimulatedClimate],
    fault: str,
    reason: str,
) -> None:
    service, shelf_a, _shelf_b, _climate = running
    await eventually(lambda: on_hand(service, "masks") == 20)
    if fault == "nan":
        shelf_a.raw = list(struct.unpack(">2H", struct.pack(">f", math.nan)))
    elif fault == "swapped":
        hi, lo = struct.unpack(">2H", struct.pack(">f", shelf_a.kilograms))
        shelf_a.raw = [lo, hi]
    elif fault == "silent":
        shelf_a.silent = True
    elif fault == "exception":
        shelf_a.exception = 4
    else:
        shelf_a.kilograms = -8.0
    await eventually(lambda: sensor(service, "a") == ("fault", reason))
    await eventually(lambda: any(a.kind == "sensor-fault" for a in service.open_alerts()))
    assert on_hand(service, "masks") == 20
    kinds = [(a.kind, a.subject) for a in service.open_alerts()]
    assert kinds == [("sensor-fault", "a")]  # one alert; no OUT, LOW or CRITICAL
    # The shelf recovers: the fault clears and the count is still right.
    shelf_a.raw, shelf_a.silent, shelf_a.exception = None, False, None
    shelf_a.kilograms = 1.0 + 20 * 0.25
    await eventually(lambda: sensor(service, "a")[0] == "ok")
    assert on_hand(service, "masks") == 20


async def test_a_lifted_crate_is_a_sensor_fault_not_also_out(
    running: tuple[StoreroomService, SimulatedShelf, SimulatedShelf, SimulatedClimate],
) -> None:
    service, shelf_a, _shelf_b, _climate = running
    await eventually(lambda: on_hand(service, "masks") == 20)
    shelf_a.kilograms = 1.0  # every box taken: the empty crate, a true "none left"
    await eventually(lambda: {a.kind for a in service.open_alerts()} == {"out", "low"})
    shelf_a.kilograms = 0.0  # the crate is lifted off: less than the crate weighs
    await eventually(lambda: sensor(service, "a") == ("fault", "load below the container's weight"))
    view = service.item_view("masks")
    assert (view.status, view.stale, view.on_hand) == ("stale", True, 0)  # the last good count
    # Once the fault is an alert, it stands alone: the stock alerts are withdrawn.
    await eventually(
        lambda: [(a.kind, a.subject) for a in service.open_alerts()] == [("sensor-fault", "a")]
    )
    history = {a.alert_id: a for a in await service.alert_history()}
    for alert_id in ("out:masks:1", "low:masks:1"):
        assert history[alert_id].state == "resolved"
        assert "stock not known while shelf a is faulty" in history[alert_id].message
    assert service.item_view("masks").on_hand == 0
    shelf_a.kilograms = 1.0 + 20 * 0.25  # back on the shelf, refilled
    await eventually(lambda: sensor(service, "a")[0] == "ok" and on_hand(service, "masks") == 20)
    await eventually(lambda: service.open_alerts() == [])
    assert service.item_view("masks").status == "ok"
