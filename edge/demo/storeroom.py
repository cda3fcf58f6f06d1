"""The demo's storeroom: Modbus shelves and a climate sensor on a simulated RS-485 bus.

pymodbus's own server plays the devices on one end of a null-modem pty pair; the gateway polls
the other end, exactly as it would a USB RS-485 adapter. The store starts with two weeks of
usage history (:mod:`edge.demo.storeroom_history`), so days of supply, reorder points and the
trend show from the first minute; then staff take masks now and then until the crate is empty,
so that LOW, CRITICAL and at last OUT appear on the storeroom page.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from edge.demo.storeroom_history import DemoItem, seed_usage_history
from firmware_interfaces.modbus.nullmodem import NullModem
from firmware_interfaces.modbus.profiles import WEIGHT_PROFILES, XY_MD02
from firmware_interfaces.modbus.simulator import (
    ModbusBusSimulator,
    SimulatedClimate,
    SimulatedShelf,
)

MASKS = DemoItem(
    key="masks-ffp2",
    name="FFP2 masks (box of 20)",
    unit="box",
    unit_weight_kg=0.25,
    container_tare_kg=0.5,
    lead_time_days=3,
    minimum=8,
    shelf="shelf-masks",
    address=1,
    profile="float32",
    capacity_kg=60,
    on_shelf=40,
    weekday_use=(6, 10),
    weekend_use=(2, 5),
    delivery=(6, 60),
)
GLOVES = DemoItem(
    key="gloves-m",
    name="Nitrile gloves M (box of 100)",
    unit="box",
    unit_weight_kg=0.6,
    container_tare_kg=0.0,
    lead_time_days=5,
    minimum=4,
    shelf="shelf-gloves",
    address=2,
    profile="int32-grams-cdab",
    capacity_kg=60,
    on_shelf=18,
    weekday_use=(1, 3),
    weekend_use=(0, 1),
    delivery=(10, 20),
)
SANITISER = DemoItem(
    key="sanitiser-5l",
    name="Hand sanitiser 5 l",
    unit="can",
    unit_weight_kg=5.2,
    container_tare_kg=0.0,
    lead_time_days=7,
    minimum=2,
    shelf="shelf-sanitiser",
    address=3,
    profile="float32",
    capacity_kg=100,
    on_shelf=14,
    weekday_use=(0, 2),
    weekend_use=(0, 1),
    delivery=(12, 10),
)
ITEMS = (MASKS, GLOVES, SANITISER)
CLIMATE_ADDRESS = 10


def storeroom_toml(gateway_port: str) -> str:
    """The gateway's ``[storeroom]`` section for the demo's bus on ``gateway_port``."""
    parts = [
        "[storeroom]\ntick_seconds = 1.0\n[storeroom.filter]\nsettle_seconds = 2.0\n"
        "[storeroom.alerts]\nstale_seconds = 30\n",
        f'[[storeroom.buses]]\nkey = "rs485"\nport = "{gateway_port}"\n',
    ]
    for item in ITEMS:
        parts.append(
            f'[[storeroom.shelves]]\nkey = "{item.shelf}"\nsource = "modbus"\n'
            f'bus = "rs485"\naddress = {item.address}\nprofile = "{item.profile}"\n'
            f"capacity_kg = {item.capacity_kg:g}\n"
        )
    parts.append(
        f'[[storeroom.climate]]\nkey = "storeroom-air"\nbus = "rs485"\n'
        f"address = {CLIMATE_ADDRESS}\n"
    )
    for item in ITEMS:
        parts.append(
            f'[[storeroom.items]]\nkey = "{item.key}"\nname = "{item.name}"\n'
            f'unit = "{item.unit}"\nunit_weight_kg = {item.unit_weight_kg:g}\n'
            f'shelf = "{item.shelf}"\ncontainer_tare_kg = {item.container_tare_kg:g}\n'
            f"lead_time_days = {item.lead_time_days:g}\nminimum = {item.minimum:g}\n"
        )
    return "\n" + "\n".join(parts)


@dataclass
class DemoStoreroom:
    gateway_port: str
    masks: SimulatedShelf
    gloves: SimulatedShelf
    sanitiser: SimulatedShelf
    climate: SimulatedClimate

    def toml(self) -> str:
        return storeroom_toml(self.gateway_port)

    def seed_history(self, db_path: Path, now: float | None = None) -> None:
        """Two weeks of draws and deliveries, ending at what the shelves hold now."""
        seed_usage_history(db_path, ITEMS, time.time() if now is None else now)


def _shelf(item: DemoItem) -> SimulatedShelf:
    kilograms = item.container_tare_kg + item.on_shelf * item.unit_weight_kg
    return SimulatedShelf(item.address, WEIGHT_PROFILES[item.profile], kilograms=kilograms)


@contextlib.asynccontextmanager
async def demo_storeroom() -> AsyncIterator[DemoStoreroom]:
    with NullModem() as modem:
        masks, gloves, sanitiser = (_shelf(item) for item in ITEMS)
        climate = SimulatedClimate(CLIMATE_ADDRESS, XY_MD02, celsius=21.5, humidity=48.0)
        async with ModbusBusSimulator(modem.port_a, [masks, gloves, sanitiser, climate]):
            yield DemoStoreroom(modem.port_b, masks, gloves, sanitiser, climate)


async def take_masks(room: DemoStoreroom, every_s: float = 8.0) -> None:
    """Staff take a box of masks now and then, until only the empty crate is left: OUT.

    The crate stays on the shelf. Lifting it off would read less than the crate weighs: a
    sensor fault (shown as such, with the last good count), not "out of stock".
    """
    empty = MASKS.container_tare_kg
    while room.masks.kilograms > empty + 0.01:
        await asyncio.sleep(every_s)
        room.masks.kilograms = round(room.masks.kilograms - MASKS.unit_weight_kg, 3)
