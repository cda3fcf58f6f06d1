"""Latency from a simulated thermometer writing a frame to the gateway's emit, over a real pty.

Baseline, in the same run: the same pty read by a bare ``loop.add_reader`` + ``os.read`` with no
pyserial, no codec and no state tracking. Run: .venv/bin/python bench/bench_serial_pty.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

from firmware_interfaces.codecs.thermometer_ascii import AsciiBracesDecoder
from firmware_interfaces.events import DeviceEvent, DeviceState, DeviceStateChanged
from firmware_interfaces.simulators.devices import ThermometerSimulator
from firmware_interfaces.transports.serial_port import SerialDevice, SerialSettings

ROUNDS = 500
FRAME = b"{36.6}\r\n"


def report(name: str, samples: list[float]) -> float:
    samples.sort()
    median = statistics.median(samples) * 1e6
    p99 = samples[int(len(samples) * 0.99) - 1] * 1e6
    print(f"{name:<28} median {median:7.1f} µs   p99 {p99:7.1f} µs   ({len(samples)} frames)")
    return median


async def through_transport() -> list[float]:
    samples: list[float] = []
    arrived = asyncio.Event()

    def emit(event: DeviceEvent) -> None:
        if not isinstance(event, DeviceStateChanged) or event.state is DeviceState.CONNECTED:
            arrived.set()

    async with ThermometerSimulator("ascii-braces") as sim:
        device = SerialDevice(SerialSettings(str(sim.path), baudrate=115200), AsciiBracesDecoder())
        task = asyncio.create_task(device.run(emit))
        await arrived.wait()
        for _ in range(ROUNDS):
            arrived.clear()
            start = time.perf_counter()
            await sim.send_raw(FRAME)
            await arrived.wait()
            samples.append(time.perf_counter() - start)
        task.cancel()
    return samples


async def bare_reader() -> list[float]:
    loop = asyncio.get_running_loop()
    samples: list[float] = []
    async with ThermometerSimulator("ascii-braces") as sim:
        fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        arrived = asyncio.Event()

        def readable() -> None:
            if os.read(fd, 4096).endswith(b"\n"):
                arrived.set()

        loop.add_reader(fd, readable)
        for _ in range(ROUNDS):
            arrived.clear()
            start = time.perf_counter()
            await sim.send_raw(FRAME)
            await arrived.wait()
            samples.append(time.perf_counter() - start)
        loop.remove_reader(fd)
        os.close(fd)
    return samples


async def main() -> None:
    base = report("baseline: add_reader+os.read", await bare_reader())
    ours = report("SerialDevice + codec", await through_transport())
    print(f"overhead over baseline: {ours - base:+.1f} µs median")


if __name__ == "__main__":
    asyncio.run(main())
