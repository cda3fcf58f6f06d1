"""Simulated Modbus devices on pymodbus's own server: load-cell shelves and XY-MD02 sensors.

The server (framing, addressing, exception responses) is pymodbus's; only the register
contents come from here, encoded with the same profiles the poller decodes. Faults a test or the
demo can switch on per device: ``silent`` (no answer at all), ``exception`` (device failure
response), or ``raw`` registers (NaN, a swapped word order...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from firmware_interfaces.extras import missing_extra
from firmware_interfaces.modbus.profiles import XY_MD02, ClimateProfile, WeightProfile
from firmware_interfaces.modbus.registers import encode_field

try:
    from pymodbus.constants import ExcCodes
    from pymodbus.server import ModbusSerialServer
    from pymodbus.simulator import DataType, SimData, SimDevice
except ModuleNotFoundError as exc:
    raise missing_extra("modbus", exc) from exc

_BLOCK = 64  # registers 0..63 on every simulated device


@dataclass
class SimulatedShelf:
    address: int
    profile: WeightProfile
    kilograms: float = 0.0  # gross load on the platform
    tare_kg: float = 0.0  # set by the tare command
    silent: bool = False
    exception: int | None = None  # answer reads with this exception code
    raw: list[int] | None = None  # present these registers instead of the weight
    commands: list[str] = field(default_factory=list)

    def registers(self) -> list[int]:
        if self.raw is not None:
            return list(self.raw)
        return encode_field(self.profile.weight, self.kilograms - self.tare_kg)

    def write(self, address: int, value: int) -> None:
        for name in ("tare", "zero"):
            cmd = getattr(self.profile, name)
            if cmd is not None and (cmd.address, cmd.value) == (address, value):
                self.commands.append(name)
                self.tare_kg = self.kilograms


@dataclass
class SimulatedClimate:
    address: int
    profile: ClimateProfile = XY_MD02
    celsius: float = 21.0
    humidity: float = 45.0
    silent: bool = False
    exception: int | None = None
    raw: list[int] | None = None

    def registers(self) -> list[int]:
        if self.raw is not None:
            return list(self.raw)
        return encode_field(self.profile.temperature, self.celsius) + encode_field(
            self.profile.humidity, self.humidity
        )

    def write(self, address: int, value: int) -> None:
        return


SimulatedDevice = SimulatedShelf | SimulatedClimate


class ModbusBusSimulator:
    """A pymodbus RTU server playing ``devices`` on ``port`` (a tty path or ``socket://h:p``)."""

    def __init__(
        self, port: str, devices: Sequence[SimulatedDevice], *, baudrate: int = 9600
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.devices = {d.address: d for d in devices}
        self.requests = 0
        self._server: Any = None

    def _first_address(self, device: SimulatedDevice) -> int:
        if isinstance(device, SimulatedShelf):
            return device.profile.weight.address
        return min(device.profile.temperature.address, device.profile.humidity.address)

    def _action(self, device: SimulatedDevice) -> Any:
        async def action(
            function_code: int,
            start_address: int,
            address: int,
            count: int,
            registers: list[int],
            set_values: list[int] | list[bool] | None,
        ) -> ExcCodes | None:
            self.requests += 1
            if device.exception is not None:
                return ExcCodes(device.exception)
            if set_values is not None:
                for i, value in enumerate(set_values):
                    device.write(address + i, int(value))
                return None
            first = self._first_address(device) - start_address
            values = device.registers()
            registers[first : first + len(values)] = values
            return None

        return action

    def _trace(self, sending: bool, packet: bytes) -> bytes:
        if sending and packet:
            device = self.devices.get(packet[0])
            if device is not None and device.silent:
                return b""  # a dead transmitter: the request goes unanswered
        return packet

    async def __aenter__(self) -> ModbusBusSimulator:
        sim_devices = [
            SimDevice(
                id=address,
                simdata=[SimData(0, count=_BLOCK, values=0, datatype=DataType.REGISTERS)],
                action=self._action(device),
            )
            for address, device in self.devices.items()
        ]
        self._server = ModbusSerialServer(
            sim_devices,
            port=self.port,
            baudrate=self.baudrate,
            ignore_missing_devices=True,
            trace_packet=self._trace,
        )
        await self._server.serve_forever(background=True)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            await self._server.shutdown()
            self._server = None


def _parse_device(spec: str) -> SimulatedDevice:
    """``ADDRESS:PROFILE:VALUE`` e.g. ``1:float32:12.5``, ``2:int32-grams-cdab:3.2``,
    ``10:xy-md02:21.5/45``."""
    from firmware_interfaces.modbus.profiles import CLIMATE_PROFILES, WEIGHT_PROFILES

    address, profile, value = spec.split(":", 2)
    if profile in CLIMATE_PROFILES:
        celsius, _, humidity = value.partition("/")
        return SimulatedClimate(
            int(address), CLIMATE_PROFILES[profile], float(celsius), float(humidity or 45)
        )
    return SimulatedShelf(int(address), WEIGHT_PROFILES[profile], kilograms=float(value))


async def _demo(port: str, devices: list[SimulatedDevice], take_every: float) -> None:
    import asyncio
    import random

    async with ModbusBusSimulator(port, devices):
        print(f"simulating {len(devices)} devices on {port}; Ctrl-C to stop", flush=True)
        while True:
            await asyncio.sleep(take_every)
            shelves = [d for d in devices if isinstance(d, SimulatedShelf) and d.kilograms > 1]
            if shelves:
                shelf = random.choice(shelves)
                shelf.kilograms = round(shelf.kilograms - random.choice([0.2, 0.25, 0.5]), 3)
                print(f"device {shelf.address}: {shelf.kilograms} kg", flush=True)


def main(argv: list[str] | None = None) -> None:
    """The demo's devices.

    ``python -m firmware_interfaces.modbus.simulator socket://127.0.0.1:5020 1:float32:12``
    """
    import argparse
    import asyncio
    import contextlib

    parser = argparse.ArgumentParser(description="Simulated Modbus storeroom devices")
    parser.add_argument("port", help="a tty path, or socket://host:port")
    parser.add_argument("devices", nargs="+", help="ADDRESS:PROFILE:VALUE")
    parser.add_argument("--take-every", type=float, default=30.0, help="seconds between takes")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_demo(args.port, [_parse_device(d) for d in args.devices], args.take_every))


if __name__ == "__main__":
    main()
