"""Simulated thermometers and scanners on real pseudo-terminals.

Each simulator speaks its device's codec (the encoders in :mod:`firmware_interfaces.codecs`)
and answers the device's commands. Use one as an async context manager; ``path`` is what the
gateway opens. With ``link=`` the simulator keeps a symlink pointing at its current terminal, as
udev keeps ``/dev/serial/by-id/...``: :meth:`unplug` removes it, :meth:`replug` points it at a
new terminal, so the gateway's reconnect can be tested end to end.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Self

from firmware_interfaces.codecs import gy_mcu90614, scanner
from firmware_interfaces.codecs._options import as_line_ending
from firmware_interfaces.codecs.base import Encoder
from firmware_interfaces.codecs.catalogue import DeviceKind, profile
from firmware_interfaces.events import CodeScanned, TemperatureReading
from firmware_interfaces.simulators.pty import PtyPort, point_link


class _PtyDevice:
    """What every simulated serial device does: plug, unplug, send bytes, hear commands."""

    def __init__(self, link: Path | None) -> None:
        self._link = link
        self._pty: PtyPort | None = None
        self._writes: set[asyncio.Task[None]] = set()
        self.received = bytearray()  # every byte the gateway wrote, for tests

    async def __aenter__(self) -> Self:
        self.replug()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.unplug()

    @property
    def path(self) -> Path:
        """The port to open: the stable link if there is one, else the terminal itself."""
        if self._link is not None:
            return self._link
        if self._pty is None:
            raise RuntimeError("the simulated device is unplugged")
        return self._pty.path

    @property
    def tty_path(self) -> Path | None:
        return None if self._pty is None else self._pty.path

    @property
    def plugged(self) -> bool:
        return self._pty is not None

    def replug(self) -> None:
        """Plug in again, on a new terminal (the old one, if any, is unplugged first)."""
        self.unplug()
        self._pty = PtyPort(asyncio.get_running_loop())
        self._pty.on_data(self._heard)
        if self._link is not None:
            point_link(self._link, self._pty.path)
        self._plugged()

    def unplug(self) -> None:
        """Pull the cable: the gateway's port fails and the stable link disappears."""
        for task in self._writes:
            task.cancel()
        if self._link is not None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()
        if self._pty is not None:
            self._pty.close()
            self._pty = None

    async def send_raw(self, data: bytes) -> None:
        if self._pty is None:
            raise ConnectionError("the simulated device is unplugged")
        await self._pty.write(data)

    def _send_soon(self, data: bytes) -> None:
        """Send from a callback (a command's answer), keeping the task so it is not lost."""
        task = asyncio.get_running_loop().create_task(self.send_raw(data))
        self._writes.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled():
            task.exception()  # an unplug while answering is what unplugging does; not an error

    def _heard(self, data: bytes) -> None:
        self.received += data
        self._command_bytes(data)

    def _plugged(self) -> None:
        """Reset the device's state after power-up; subclasses override."""

    def _command_bytes(self, data: bytes) -> None:
        """Handle bytes from the gateway; subclasses override."""


class ThermometerSimulator(_PtyDevice):
    """A thermometer speaking ``protocol`` (``"ascii-braces"`` or ``"gy-mcu90614"``).

    An ASCII module streams: every :meth:`send_reading` goes out at once. A GY-MCU90614 starts
    silent, as after power-up (``streaming=True`` changes that): after ``A5 45 EA`` it sends
    every reading, and ``A5 15 BA`` asks for the latest one. Replugging powers it up again.
    """

    def __init__(
        self,
        protocol: str = "ascii-braces",
        *,
        link: Path | None = None,
        streaming: bool | None = None,
    ) -> None:
        super().__init__(link)
        device = profile(protocol)
        if device.kind is not DeviceKind.THERMOMETER:
            raise ValueError(f"{protocol} is not a thermometer protocol")
        self.protocol = protocol
        self._encoder: Encoder = device.build_encoder({})
        self._streams_at_power_up = (
            protocol != gy_mcu90614.PROTOCOL if streaming is None else streaming
        )
        self.streaming = self._streams_at_power_up
        self.latest: TemperatureReading | None = None
        self.commands: list[gy_mcu90614.GyCommand] = []
        self._commands = gy_mcu90614.GyCommandDecoder()

    async def send_reading(self, celsius: float, ambient: float | None = None) -> None:
        """Measure ``celsius``; it goes out now if the device is streaming, else on a query."""
        self.latest = TemperatureReading(celsius, ambient)
        if self.streaming:
            await self.send_raw(self._encoder.encode(self.latest))

    async def play(self, readings: Iterable[TemperatureReading], interval: float) -> None:
        """Measure each reading in turn, ``interval`` seconds apart (e.g. a generator's)."""
        for reading in readings:
            await self.send_reading(reading.celsius, reading.ambient_celsius)
            await asyncio.sleep(interval)

    def _plugged(self) -> None:
        self.streaming = self._streams_at_power_up
        self._commands = gy_mcu90614.GyCommandDecoder()

    def _command_bytes(self, data: bytes) -> None:
        if self.protocol != gy_mcu90614.PROTOCOL:
            return
        for command in self._commands.feed(data):
            self.commands.append(command)
            if command is gy_mcu90614.GyCommand.CONTINUOUS:
                self.streaming = True
            elif self.latest is not None:
                self._send_soon(self._encoder.encode(self.latest))


class ScannerSimulator(_PtyDevice):
    """A QR scanner in serial mode.

    ``suffix`` is ``"CR"``, ``"LF"`` or ``"CRLF"``; with ``aim`` each code carries its AIM id.
    In ``trigger_mode`` the scanner reads only while triggered (``SYN T CR``): a code scanned
    before that waits, one trigger reads one code, ``SYN U CR`` stops reading.
    """

    def __init__(
        self,
        suffix: str | bytes = "CR",
        prefix: bytes = b"",
        aim: bool = False,
        trigger_mode: bool = False,
        *,
        link: Path | None = None,
    ) -> None:
        super().__init__(link)
        self.options = scanner.ScannerOptions(suffix=as_line_ending(suffix), prefix=prefix, aim=aim)
        self._encoder = scanner.ScannerEncoder(self.options)
        self.trigger_mode = trigger_mode
        self.triggered = False
        self.waiting: collections.deque[bytes] = collections.deque()
        self.commands: list[scanner.ScannerCommand] = []
        self._commands = scanner.ScannerCommandDecoder()

    async def scan(self, text: str, symbology: str | None = "Q1") -> None:
        """Present a code to the scanner."""
        await self.send_scan(self._encoder.encode(CodeScanned(text, symbology)))

    async def send_scan(self, raw: bytes) -> None:
        """Present a code given as the exact bytes the scanner will send (suffix included)."""
        if not self.trigger_mode:
            await self.send_raw(raw)
        elif self.triggered:
            self.triggered = False
            await self.send_raw(raw)
        else:
            self.waiting.append(raw)

    async def play(self, texts: Iterable[str], interval: float) -> None:
        """Scan each code in turn, ``interval`` seconds apart."""
        for text in texts:
            await self.scan(text)
            await asyncio.sleep(interval)

    def _plugged(self) -> None:
        self.triggered = False
        self._commands = scanner.ScannerCommandDecoder()

    def _command_bytes(self, data: bytes) -> None:
        for command in self._commands.feed(data):
            self.commands.append(command)
            if command is scanner.ScannerCommand.UNTRIGGER:
                self.triggered = False
            elif self.trigger_mode and self.waiting:
                self._send_soon(self.waiting.popleft())
            else:
                self.triggered = True
