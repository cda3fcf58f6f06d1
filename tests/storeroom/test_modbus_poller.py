"""The bus poller against pymodbus's own server, over a real pseudo-terminal pair or socket://."""

from __future__ import annotations

import asyncio
import math
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from pymodbus.simulator import DataType, SimData

from firmware_interfaces.events import (
    ClimateReading,
    DeviceEvent,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    ShelfWeight,
)
from firmware_interfaces.modbus.errors import DeviceCommandError
from firmware_interfaces.modbus.nullmodem import NullModem
from firmware_interfaces.modbus.poller import BusPoller, PolledDevice, SerialLine
from firmware_interfaces.modbus.profiles import (
    WEIGHT_FLOAT32,
    WEIGHT_INT32_GRAMS_CDAB,
    XY_MD02,
)
from firmware_interfaces.modbus.simulator import (
    ModbusBusSimulator,
    SimulatedClimate,
    SimulatedShelf,
)
from tests.brokers import free_port
from tests.storeroom.conftest import eventually


@dataclass
class Collected:
    events: list[tuple[str, DeviceEvent]] = field(default_factory=list)

    def __call__(self, key: str, event: DeviceEvent) -> None:
        self.events.append((key, event))

    def of(self, key: str, kind: type | tuple[type, ...]) -> list[DeviceEvent]:
        return [e for k, e in self.events if k == key and isinstance(e, kind)]

    async def wait(self, predicate: Callable[[], bool]) -> None:
        await eventually(predicate)


@pytest.fixture
async def pty_line() -> AsyncIterator[tuple[str, SerialLine]]:
    with NullModem() as cable:
        yield cable.port_a, SerialLine(cable.port_b, baudrate=19200, timeout=0.3, retries=0)


def devices_on_bus() -> tuple[SimulatedShelf, SimulatedShelf, SimulatedClimate]:
    return (
        SimulatedShelf(1, WEIGHT_FLOAT32, kilograms=12.5),
        SimulatedShelf(2, WEIGHT_INT32_GRAMS_CDAB, kilograms=3.25),
        SimulatedClimate(7, celsius=-3.5, humidity=61.2),
    )


def polled() -> list[PolledDevice]:
    return [
        PolledDevice("shelf-1", 1, WEIGHT_FLOAT32, interval=0.05),
        PolledDevice("shelf-2", 2, WEIGHT_INT32_GRAMS_CDAB, interval=0.05),
        PolledDevice("climate", 7, XY_MD02, interval=0.05),
    ]


async def run_poller(poller: BusPoller) -> asyncio.Task[None]:
    return asyncio.create_task(poller.run(), name="poller")


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_three_devices_share_one_pty_bus(pty_line: tuple[str, SerialLine]) -> None:
    server_port, line = pty_line
    shelf1, shelf2, climate = devices_on_bus()
    got = Collected()
    async with ModbusBusSimulator(server_port, [shelf1, shelf2, climate], baudrate=19200):
        poller = BusPoller(line, polled(), got)
        task = await run_poller(poller)
        try:
            await got.wait(
                lambda: all(
                    got.of(k, (ShelfWeight, ClimateReading))
                    for k in ("shelf-1", "shelf-2", "climate")
                )
            )
            assert got.of("shelf-1", ShelfWeight)[0] == ShelfWeight(12.5)
            w2 = got.of("shelf-2", ShelfWeight)[0]
            assert isinstance(w2, ShelfWeight) and math.isclose(w2.kilograms, 3.25)
            assert got.of("climate", ClimateReading)[0] == ClimateReading(-3.5, 61.2)
            assert got.of("shelf-1", DeviceStateChanged)[0] == DeviceStateChanged(
                DeviceState.CONNECTED, "answering"
            )
            shelf1.kilograms = 4.0
            await got.wait(lambda: ShelfWeight(4.0) in got.of("shelf-1", ShelfWeight))
        finally:
            await stop(task)


async def test_socket_url_works_like_a_serial_port() -> None:
    port = free_port()
    shelf = SimulatedShelf(5, WEIGHT_FLOAT32, kilograms=7.75)
    got = Collected()
    async with ModbusBusSimulator(f"socket://127.0.0.1:{port}", [shelf]):
        line = SerialLine(f"socket://127.0.0.1:{port}", timeout=0.5, retries=0)
        task = await run_poller(
            BusPoller(line, [PolledDevice("s", 5, WEIGHT_FLOAT32, interval=0.05)], got)
        )
        try:
            await got.wait(lambda: bool(got.of("s", ShelfWeight)))
            assert got.of("s", ShelfWeight)[0] == ShelfWeight(7.75)
        finally:
            await stop(task)


async def test_silent_device_goes_silent_once_and_recovers(
    pty_line: tuple[str, SerialLine],
) -> None:
    server_port, line = pty_line
    shelf1, shelf2, climate = devices_on_bus()
    shelf2.silent = True
    got = Collected()
    async with ModbusBusSimulator(server_port, [shelf1, shelf2, climate], baudrate=19200):
        task = await run_poller(BusPoller(line, polled(), got))
        try:
            await got.wait(lambda: bool(got.of("shelf-2", DeviceStateChanged)))
            assert got.of("shelf-2", DeviceStateChanged) == [
                DeviceStateChanged(DeviceState.SILENT, "no answer from device 2")
            ]
            # The neighbours on the bus keep being read while shelf 2 times out.
            before = len(got.of("shelf-1", ShelfWeight))
            await got.wait(lambda: len(got.of("shelf-1", ShelfWeight)) > before + 3)
            assert len(got.of("shelf-2", DeviceStateChanged)) == 1  # no storm
            assert not got.of("shelf-2", ShelfWeight)
            shelf2.silent = False
            await got.wait(lambda: bool(got.of("shelf-2", ShelfWeight)))
            last = got.of("shelf-2", DeviceStateChanged)[-1]
            assert isinstance(last, DeviceStateChanged) and last.state is DeviceState.CONNECTED
        finally:
            await stop(task)


async def test_exception_response_is_rejected_with_its_name(
    pty_line: tuple[str, SerialLine],
) -> None:
    server_port, line = pty_line
    shelf1, shelf2, climate = devices_on_bus()
    shelf1.exception = 4
    got = Collected()
    async with ModbusBusSimulator(server_port, [shelf1, shelf2, climate], baudrate=19200):
        task = await run_poller(BusPoller(line, polled(), got))
        try:
            await got.wait(lambda: bool(got.of("shelf-1", FrameRejected)))
            rej = got.of("shelf-1", FrameRejected)[0]
            assert rej == FrameRejected("exception response 4 (device failure)")
            assert not got.of("shelf-1", ShelfWeight)
        finally:
            await stop(task)


async def test_nan_negative_and_swapped_words_are_faults_not_weights(
    pty_line: tuple[str, SerialLine],
) -> None:
    server_port, line = pty_line
    shelf1, shelf2, climate = devices_on_bus()
    nan = struct.unpack(">2H", struct.pack(">f", math.nan))
    shelf1.raw = list(nan)
    shelf2.kilograms = -5.0
    got = Collected()
    async with ModbusBusSimulator(server_port, [shelf1, shelf2, climate], baudrate=19200):
        task = await run_poller(BusPoller(line, polled(), got))
        try:
            await got.wait(
                lambda: (
                    bool(got.of("shelf-1", FrameRejected))
                    and bool(got.of("shelf-2", FrameRejected))
                )
            )
            assert got.of("shelf-1", FrameRejected)[0].reason == "not a number"  # type: ignore[union-attr]
            assert got.of("shelf-2", FrameRejected)[0].reason == "negative weight"  # type: ignore[union-attr]
            # The transmitter sends CDAB but the profile says ABCD.
            hi, lo = struct.unpack(">2H", struct.pack(">f", 12.5))
            shelf1.raw = [lo, hi]
            await got.wait(
                lambda: any(
                    e.reason == "word order looks swapped"  # type: ignore[union-attr]
                    for e in got.of("shelf-1", FrameRejected)
                )
            )
            assert not got.of("shelf-1", ShelfWeight)
            assert not got.of("shelf-2", ShelfWeight)
        finally:
            await stop(task)


async def test_tare_command_reaches_the_device(pty_line: tuple[str, SerialLine]) -> None:
    server_port, line = pty_line
    shelf1, shelf2, climate = devices_on_bus()
    got = Collected()
    async with ModbusBusSimulator(server_port, [shelf1, shelf2, climate], baudrate=19200):
        poller = BusPoller(line, polled(), got)
        task = await run_poller(poller)
        try:
            await got.wait(lambda: bool(got.of("shelf-1", ShelfWeight)))
            await poller.command("shelf-1", "tare")
            assert shelf1.commands == ["tare"]
            await got.wait(lambda: ShelfWeight(0.0) in got.of("shelf-1", ShelfWeight))
            with pytest.raises(DeviceCommandError, match="no such command"):
                await poller.command("shelf-2", "zero")
        finally:
            await stop(task)


async def test_missing_port_is_unplugged_once() -> None:
    got = Collected()
    line = SerialLine("/dev/does-not-exist", reconnect_initial=0.05, reconnect_max=0.1)
    task = await run_poller(BusPoller(line, [PolledDevice("s", 1, WEIGHT_FLOAT32)], got))
    try:
        await got.wait(lambda: bool(got.of("s", DeviceStateChanged)))
        await asyncio.sleep(0.3)  # several reconnect attempts; not an assertion on time
        changes = got.of("s", DeviceStateChanged)
        assert len(changes) == 1 and changes[0].state is DeviceState.UNPLUGGED  # type: ignore[union-attr]
    finally:
        await stop(task)


async def test_decoder_reads_registers_pymodbus_encoded() -> None:
    """Registers built by pymodbus's own FLOAT32 conversion decode to the same weight."""
    regs = SimData(0, values=[12.5], datatype=DataType.FLOAT32).build_registers(False)
    from firmware_interfaces.modbus.registers import decode_weight

    assert decode_weight(WEIGHT_FLOAT32, regs) == ShelfWeight(12.5)


class _SurprisingClient:
    """A client whose reads fail in a way pymodbus does not document."""

    connected = True

    def __init__(self, line: SerialLine) -> None:
        self.line = line

    async def connect(self) -> bool:
        return True

    def close(self) -> None:
        self.connected = True  # a fresh one is made per connection anyway

    async def read_holding_registers(self, *args: object, **kwargs: object) -> object:
        raise RuntimeError("surprise")


async def test_poller_survives_a_surprise_and_reports_it() -> None:
    got = Collected()
    line = SerialLine("/dev/fake", reconnect_initial=0.05)
    poller = BusPoller(
        line, [PolledDevice("s", 1, WEIGHT_FLOAT32)], got, client_factory=_SurprisingClient
    )
    task = await run_poller(poller)
    try:
        await got.wait(lambda: bool(got.of("s", DeviceStateChanged)))
        await asyncio.sleep(0.3)  # it keeps retrying; not an assertion on time
        assert not task.done()
        changes = got.of("s", DeviceStateChanged)
        assert changes == [
            DeviceStateChanged(DeviceState.UNPLUGGED, "/dev/fake: poller error: surprise")
        ]
    finally:
        await stop(task)
