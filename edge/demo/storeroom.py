"""The demo's storeroom: Modbus shelves and a climate sensor on a simulated RS-485 bus.

pymodbus's own server plays the devices on one end of a null-modem pty pair; the gateway polls
the other end, exactly as it would a USB RS-485 adapter. A slow stream of takes empties the
mask shelf, so that its LOW and then OUT alerts appear on the storeroom page.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from firmware_interfaces.modbus.nullmodem import NullModem
from firmware_interfaces.modbus.profiles import WEIGHT_PROFILES, XY_MD02
from firmware_interfaces.modbus.simulator import (
    ModbusBusSimulator,
    SimulatedClimate,
    SimulatedShelf,
)


@dataclass
class DemoStoreroom:
    gateway_port: str
    masks: SimulatedShelf
    gloves: SimulatedShelf
    sanitiser: SimulatedShelf
    climate: SimulatedClimate

    def toml(self) -> str:
        return f"""
[storeroom]
tick_seconds = 1.0
[storeroom.filter]
settle_seconds = 2.0
[storeroom.alerts]
stale_seconds = 30

[[storeroom.buses]]
key = "rs485"
port = "{self.gateway_port}"

[[storeroom.shelves]]
key = "shelf-masks"
source = "modbus"
bus = "rs485"
address = 1
profile = "float32"
capacity_kg = 60

[[storeroom.shelves]]
key = "shelf-gloves"
source = "modbus"
bus = "rs485"
address = 2
profile = "int32-grams-cdab"
capacity_kg = 60

[[storeroom.shelves]]
key = "shelf-sanitiser"
source = "modbus"
bus = "rs485"
address = 3
profile = "float32"
capacity_kg = 100

[[storeroom.climate]]
key = "storeroom-air"
bus = "rs485"
address = 10

[[storeroom.items]]
key = "masks-ffp2"
name = "FFP2 masks (box of 20)"
unit = "box"
unit_weight_kg = 0.25
shelf = "shelf-masks"
container_tare_kg = 0.5
lead_time_days = 3
minimum = 8

[[storeroom.items]]
key = "gloves-m"
name = "Nitrile gloves M (box of 100)"
unit = "box"
unit_weight_kg = 0.6
shelf = "shelf-gloves"
lead_time_days = 5
minimum = 4

[[storeroom.items]]
key = "sanitiser-5l"
name = "Hand sanitiser 5 l"
unit = "can"
unit_weight_kg = 5.2
shelf = "shelf-sanitiser"
lead_time_days = 7
minimum = 2
"""


@contextlib.asynccontextmanager
async def demo_storeroom() -> AsyncIterator[DemoStoreroom]:
    with NullModem() as modem:
        masks = SimulatedShelf(1, WEIGHT_PROFILES["float32"], kilograms=0.5 + 12 * 0.25)
        gloves = SimulatedShelf(2, WEIGHT_PROFILES["int32-grams-cdab"], kilograms=9 * 0.6)
        sanitiser = SimulatedShelf(3, WEIGHT_PROFILES["float32"], kilograms=6 * 5.2)
        climate = SimulatedClimate(10, XY_MD02, celsius=21.5, humidity=48.0)
        async with ModbusBusSimulator(modem.port_a, [masks, gloves, sanitiser, climate]):
            yield DemoStoreroom(modem.port_b, masks, gloves, sanitiser, climate)


async def take_masks(room: DemoStoreroom, every_s: float = 8.0) -> None:
    """Staff take a box of masks now and then, until the shelf is empty."""
    while room.masks.kilograms > 0.5 + 0.01:
        await asyncio.sleep(every_s)
        room.masks.kilograms = round(room.masks.kilograms - 0.25, 3)
    await asyncio.sleep(every_s)
    room.masks.kilograms = 0.0  # the empty container goes too: OUT
