"""Helpers for device tests: split-feeding codecs and waiting for transport events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence

from firmware_interfaces.codecs.base import Codec
from firmware_interfaces.events import (
    CodeScanned,
    DeviceEvent,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    TemperatureReading,
)
from firmware_interfaces.transports.serial_port import SerialDevice

WAIT = 10.0  # generous: CI is a loaded 2-core machine


def feed_in_pieces(codec: Codec, data: bytes, cuts: Sequence[int]) -> list[DeviceEvent]:
    """Feed ``data`` cut at the given offsets (any order, duplicates allowed)."""
    events: list[DeviceEvent] = []
    start = 0
    for cut in sorted({min(max(c, 0), len(data)) for c in cuts}):
        events += codec.feed(data[start:cut])
        start = cut
    events += codec.feed(data[start:])
    return events


def assert_split_invariant(make: Callable[[], Codec], data: bytes) -> list[DeviceEvent]:
    """Every single cut, and byte by byte, gives the events of one whole feed; returns them."""
    whole = make().feed(data)
    for cut in range(len(data) + 1):
        assert feed_in_pieces(make(), data, [cut]) == whole, f"cut at {cut}"
    assert feed_in_pieces(make(), data, range(len(data))) == whole, "byte by byte"
    return whole


def readings(events: Sequence[DeviceEvent]) -> list[TemperatureReading]:
    return [e for e in events if isinstance(e, TemperatureReading)]


def codes(events: Sequence[DeviceEvent]) -> list[CodeScanned]:
    return [e for e in events if isinstance(e, CodeScanned)]


def reasons(events: Sequence[DeviceEvent]) -> list[str]:
    return [e.reason for e in events if isinstance(e, FrameRejected)]


class Recorder:
    """An ``Emit`` that keeps every event, and waits (polling, with a timeout) for conditions."""

    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []

    def __call__(self, event: DeviceEvent) -> None:
        self.events.append(event)

    def states(self) -> list[DeviceState]:
        return [e.state for e in self.events if isinstance(e, DeviceStateChanged)]

    async def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; events: {self.events[-20:]}")
            await asyncio.sleep(0.01)

    async def wait_state(self, state: DeviceState, count: int = 1) -> None:
        await self.wait_for(lambda: self.states().count(state) >= count, f"{count}x {state}")

    async def wait_readings(self, count: int) -> list[TemperatureReading]:
        await self.wait_for(lambda: len(readings(self.events)) >= count, f"{count} readings")
        return readings(self.events)

    async def wait_codes(self, count: int) -> list[CodeScanned]:
        await self.wait_for(lambda: len(codes(self.events)) >= count, f"{count} codes")
        return codes(self.events)


@contextlib.asynccontextmanager
async def running(device: SerialDevice, emit: Recorder) -> AsyncIterator[SerialDevice]:
    task = asyncio.create_task(device.run(emit), name=f"serial {device.settings.port}")
    try:
        yield device
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
