"""One async poller per RS-485 bus: every device on the bus is read in turn by one client.

The poller turns what the bus answers into device events (see :mod:`firmware_interfaces.events`)
and hands them to ``emit(device_key, event)``; everything else reads cached state. A device
that stops answering is marked silent once (after ``silent_after`` failed polls in a row) and
connected once when it answers again, so a dead shelf never produces a stream of events or log
lines. An exception response is a device that answers but cannot give the value: it becomes a
:class:`~firmware_interfaces.events.FrameRejected` naming the exception.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from firmware_interfaces.events import DeviceEvent, DeviceState, DeviceStateChanged, rejected
from firmware_interfaces.extras import missing_extra
from firmware_interfaces.modbus.errors import DeviceCommandError
from firmware_interfaces.modbus.profiles import ClimateProfile, Table, WeightProfile
from firmware_interfaces.modbus.registers import decode_climate, decode_weight, read_span
from firmware_interfaces.words import N_

try:
    from pymodbus.client import AsyncModbusSerialClient
    from pymodbus.exceptions import ConnectionException, ModbusException
except ModuleNotFoundError as exc:
    raise missing_extra("modbus", exc) from exc

log = logging.getLogger(__name__)

# A device's state and a command's failure, as a page shows them (translated there: edge/i18n).
CANNOT_OPEN = N_("cannot open {port}")
NO_ANSWER = N_("no answer from device {address}")
ANSWERING = N_("answering")
EXCEPTION_RESPONSE = N_("exception response {code} ({name})")
UNKNOWN = N_("unknown")
EXCEPTION_NAMES = {
    1: N_("illegal function"),
    2: N_("illegal data address"),
    3: N_("illegal data value"),
    4: N_("device failure"),
    5: N_("acknowledge"),
    6: N_("device busy"),
    10: N_("gateway path unavailable"),
    11: N_("gateway target failed to respond"),
}

BusEmit = Callable[[str, DeviceEvent], None]


@dataclass(frozen=True, slots=True)
class SerialLine:
    """An RS-485 line. ``port`` is a device path or any pyserial URL (``socket://host:port``)."""

    port: str
    baudrate: int = 9600
    parity: str = "N"
    stopbits: int = 1
    bytesize: int = 8
    timeout: float = 0.5  # per request
    retries: int = 1
    reconnect_initial: float = 0.5
    reconnect_max: float = 30.0


@dataclass(frozen=True, slots=True)
class PolledDevice:
    key: str  # the gateway's name for it: a shelf or sensor key
    address: int  # Modbus device (slave) id on the bus
    profile: WeightProfile | ClimateProfile
    interval: float = 1.0
    silent_after: int = 2


@dataclass(slots=True)
class _DeviceRuntime:
    device: PolledDevice
    state: DeviceState | None = None
    failures: int = 0
    due: float = 0.0
    last_reason: str = field(default="")


def exception_reason(code: int) -> str:
    return EXCEPTION_RESPONSE.format(code=code, name=EXCEPTION_NAMES.get(code, UNKNOWN))


class BusPoller:
    """Polls the devices of one bus; ``run()`` until cancelled."""

    def __init__(
        self,
        line: SerialLine,
        devices: Sequence[PolledDevice],
        emit: BusEmit,
        *,
        client_factory: Callable[[SerialLine], Any] | None = None,
    ) -> None:
        keys = [d.key for d in devices]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate device keys on {line.port}: {keys}")
        self.line = line
        self._devices = {d.key: _DeviceRuntime(d) for d in devices}
        self._emit = emit
        self._factory = client_factory or _serial_client
        self._client: Any = None
        self._last_surprise = ""
        self._lock = asyncio.Lock()  # one request on the wire at a time (polls and commands)
        self.polls = 0

    def state(self, key: str) -> DeviceState | None:
        return self._devices[key].state

    async def run(self) -> None:
        delay = self.line.reconnect_initial
        try:
            while True:
                client = self._factory(self.line)
                self._client = client
                if not await client.connect():
                    self._all(DeviceState.UNPLUGGED, CANNOT_OPEN.format(port=self.line.port))
                    client.close()
                    await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                    delay = min(delay * 2, self.line.reconnect_max)
                    continue
                delay = self.line.reconnect_initial
                try:
                    await self._poll_forever(client)
                except (ConnectionException, OSError) as exc:
                    self._all(DeviceState.UNPLUGGED, f"{self.line.port}: {exc}")
                except Exception as exc:
                    # A surprise from pymodbus must cost one bus a reconnect, not the gateway
                    # its storeroom: report it, start over.
                    if repr(exc) != self._last_surprise:  # once per kind, not per retry
                        self._last_surprise = repr(exc)
                        log.exception("modbus poller on %s failed", self.line.port)
                    self._all(DeviceState.UNPLUGGED, f"{self.line.port}: poller error: {exc}")
                finally:
                    client.close()
                await asyncio.sleep(delay)
        finally:
            self._client = None

    async def _poll_forever(self, client: Any) -> None:
        task = asyncio.current_task()
        while True:
            if task is not None and task.cancelling():
                # Python 3.11's asyncio.wait_for (inside pymodbus) drops a cancellation that
                # lands as the response arrives; honour it here or shutdown would hang.
                raise asyncio.CancelledError
            if not client.connected:
                raise ConnectionException("connection lost")
            now = time.monotonic()
            runtime = min(self._devices.values(), key=lambda r: r.due)
            if runtime.due > now:
                await asyncio.sleep(runtime.due - now)
                continue
            runtime.due = max(runtime.due + runtime.device.interval, now)
            await self._poll(client, runtime)

    async def _poll(self, client: Any, runtime: _DeviceRuntime) -> None:
        device = runtime.device
        profile = device.profile
        fields = (
            [profile.weight]
            if isinstance(profile, WeightProfile)
            else [profile.temperature, profile.humidity]
        )
        table, address, count = read_span(fields)
        read = (
            client.read_holding_registers if table is Table.HOLDING else client.read_input_registers
        )
        self.polls += 1
        try:
            async with self._lock:
                response = await read(address, count=count, device_id=device.address)
        except ConnectionException:
            raise
        except ModbusException:
            runtime.failures += 1
            if runtime.failures >= device.silent_after:
                self._set(runtime, DeviceState.SILENT, NO_ANSWER.format(address=device.address))
            return
        runtime.failures = 0
        self._set(runtime, DeviceState.CONNECTED, ANSWERING)
        if response.isError():
            self._emit(device.key, rejected(exception_reason(response.exception_code), b""))
            return
        registers = list(response.registers)
        event = (
            decode_weight(profile, registers)
            if isinstance(profile, WeightProfile)
            else decode_climate(profile, registers)
        )
        self._emit(device.key, event)

    def _set(self, runtime: _DeviceRuntime, state: DeviceState, reason: str) -> None:
        if runtime.state is state:
            return
        if state is DeviceState.CONNECTED:
            if runtime.state is not None:
                log.info("%s on %s answers again", runtime.device.key, self.line.port)
        else:
            log.warning("%s on %s: %s", runtime.device.key, self.line.port, reason)
        runtime.state = state
        runtime.last_reason = reason
        self._emit(runtime.device.key, DeviceStateChanged(state, reason))

    def _all(self, state: DeviceState, reason: str) -> None:
        for runtime in self._devices.values():
            runtime.failures = 0
            self._set(runtime, state, reason)

    async def command(self, key: str, name: str) -> None:
        """Send the device's ``tare`` or ``zero`` command; raises :class:`DeviceCommandError`."""
        runtime = self._devices.get(key)
        if runtime is None:
            raise DeviceCommandError(key, name, "no such device on this bus")
        profile = runtime.device.profile
        cmd = getattr(profile, name, None) if isinstance(profile, WeightProfile) else None
        if cmd is None:
            raise DeviceCommandError(key, name, "the device has no such command")
        client = self._client
        if client is None or not client.connected:
            raise DeviceCommandError(key, name, "the bus is not connected")
        try:
            async with self._lock:
                response = await client.write_register(
                    cmd.address, cmd.value, device_id=runtime.device.address
                )
        except ModbusException as exc:
            raise DeviceCommandError(key, name, str(exc)) from exc
        if response.isError():
            raise DeviceCommandError(key, name, exception_reason(response.exception_code))


def _serial_client(line: SerialLine) -> AsyncModbusSerialClient:
    return AsyncModbusSerialClient(
        line.port,
        baudrate=line.baudrate,
        parity=line.parity,
        stopbits=line.stopbits,
        bytesize=line.bytesize,
        timeout=line.timeout,
        retries=line.retries,
        # Reconnects are ours (with backoff and one state change), not pymodbus's.
        reconnect_delay=0,
        name=f"bus:{line.port}",
    )
