"""The transport that owns one serial device: open, read, feed the codec, survive unplugging.

:class:`SerialDevice` runs until cancelled. It opens the port (a path, a ``/dev/serial/by-id``
link, a pyserial URL such as ``socket://host:port`` or ``loop://``, or ``usb:VID:PID[:SERIAL]``),
hands every byte to its codec and every event to ``emit``, and reports the device's state as
``DeviceStateChanged`` events, each only when the state changes:

- CONNECTED when the port opens, and again when data resumes after SILENT;
- SILENT when nothing arrived for ``silence_after`` seconds;
- UNPLUGGED when the port errors, reaches end of file or will not open. The port is closed and
  reopened with capped, jittered exponential backoff; the outage is logged when it starts and
  when it ends, never on each retry.

Reading never blocks the event loop: ports with a file descriptor are watched with
``loop.add_reader``; the others (``loop://``) are read by a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import serial
from serial.tools import list_ports

from firmware_interfaces.codecs.base import Codec
from firmware_interfaces.codecs.catalogue import profile
from firmware_interfaces.events import DeviceEvent, DeviceState, DeviceStateChanged, Emit
from firmware_interfaces.transports.backoff import Backoff
from firmware_interfaces.transports.serial_errors import (
    NotConnectedError,
    PortNotFoundError,
    SerialSettingsError,
)

log = logging.getLogger(__name__)

_USB = re.compile(r"usb:([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})(?::(.+))?")
_READ_SIZE = 4096
_THREAD_READ_TIMEOUT = 0.1  # how soon a reader thread notices it should stop
_WRITE_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class SerialSettings:
    #: A device path, a ``/dev/serial/by-id/...`` link, a pyserial URL, or ``usb:VID:PID[:SERIAL]``
    #: (hex ids) looked up among the attached USB serial adapters at every (re)open.
    port: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    #: Report SILENT after this many seconds without a byte (None: never).
    silence_after: float | None = None
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    #: Sent after every open, e.g. the GY-MCU90614's "continuous output" command.
    on_open: bytes | None = None
    #: How logs name the device; the port if empty.
    name: str = field(default="")

    def __post_init__(self) -> None:
        checks: list[tuple[str, bool, str]] = [
            ("port", bool(self.port), "must not be empty"),
            ("baudrate", self.baudrate > 0, "must be positive"),
            ("bytesize", self.bytesize in (5, 6, 7, 8), "must be 5, 6, 7 or 8"),
            ("parity", self.parity in ("N", "E", "O", "M", "S"), "must be N, E, O, M or S"),
            ("stopbits", self.stopbits in (1, 1.5, 2), "must be 1, 1.5 or 2"),
            (
                "silence_after",
                self.silence_after is None or self.silence_after > 0,
                "must be positive or null",
            ),
            ("backoff_initial", self.backoff_initial > 0, "must be positive"),
            ("backoff_max", self.backoff_max >= self.backoff_initial, "must be >= backoff_initial"),
            (
                "port",
                not self.port.startswith("usb:") or _USB.fullmatch(self.port) is not None,
                "USB ports are written usb:VID:PID or usb:VID:PID:SERIAL (hex ids)",
            ),
        ]
        for setting, ok, reason in checks:
            if not ok:
                raise SerialSettingsError(self.port, setting, reason)

    @property
    def label(self) -> str:
        return self.name or self.port


def resolve_port(port: str) -> str:
    """The path or URL to open for ``port``; ``usb:`` ports are looked up now."""
    match = _USB.fullmatch(port)
    if match is None:
        return port
    vid, pid, serial_number = int(match[1], 16), int(match[2], 16), match[3]
    for info in list_ports.comports():
        if info.vid == vid and info.pid == pid and serial_number in (None, info.serial_number):
            return str(info.device)
    raise PortNotFoundError(port)


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str


class SerialDevice:
    """One serial device: its port, its codec, its state. See the module docstring."""

    def __init__(
        self, settings: SerialSettings, codec: Codec, backoff: Backoff | None = None
    ) -> None:
        self.settings = settings
        self.codec = codec
        self._backoff = backoff or Backoff(settings.backoff_initial, settings.backoff_max)
        self._state: DeviceState | None = None
        self._port: Any = None  # the open serial.SerialBase, while connected
        self._inbox: asyncio.Queue[bytes | _Failure] | None = None
        self._heard = False  # bytes arrived since the port last opened

    @classmethod
    def for_protocol(
        cls,
        protocol: str,
        port: str,
        codec_options: Mapping[str, object] | None = None,
        **settings: Any,
    ) -> SerialDevice:
        """A device speaking a catalogue protocol, at its factory baud rate and open command.

        ``settings`` override :class:`SerialSettings` fields (``baudrate=``, ``silence_after=``,
        ...). Raises ``UnknownProtocolError``, ``CodecOptionError`` or ``SerialSettingsError``.
        """
        device = profile(protocol)
        defaults: dict[str, Any] = {"baudrate": device.baudrate, "on_open": device.on_open}
        return cls(
            SerialSettings(port, **{**defaults, **settings}),
            device.build_decoder(codec_options or {}),
        )

    @property
    def state(self) -> DeviceState | None:
        """The last state reported, None before the first attempt to open."""
        return self._state

    async def run(self, emit: Emit) -> None:
        """Own the device until cancelled; never returns otherwise, never raises on port trouble.

        Exceptions raised by ``emit`` (or a codec) are bugs and end the run.
        """
        backoff = self._backoff
        outage: str | None = None
        while True:
            try:
                port = await _open_in_thread(self.settings)
            except (serial.SerialException, OSError, PortNotFoundError) as exc:
                reason = _describe(exc)
                if outage is None:
                    outage = reason
                    log.warning("serial device %s unavailable: %s", self.settings.label, reason)
                    self._set_state(emit, DeviceState.UNPLUGGED, reason)
                log.debug("serial device %s: open failed: %s", self.settings.label, reason)
                await asyncio.sleep(backoff.next_delay())
                continue
            if outage is not None:
                log.warning("serial device %s recovered", self.settings.label)
            self._set_state(emit, DeviceState.CONNECTED, "port opened")
            self._heard = False
            opened_at = asyncio.get_running_loop().time()
            try:
                outage = await self._pump(port, emit)
            finally:
                self._close(port)
            lasted = asyncio.get_running_loop().time() - opened_at
            if self._heard or lasted >= self.settings.backoff_max:
                # Only a device that talked (or stayed) counts as recovered: one that opens and
                # drops at once keeps backing off instead of flapping at the initial delay.
                backoff.reset()
            for event in self.codec.idle():  # a frame cut off by the unplug goes no further
                emit(event)
            log.warning("serial device %s unavailable: %s", self.settings.label, outage)
            self._set_state(emit, DeviceState.UNPLUGGED, outage)
            await asyncio.sleep(backoff.next_delay())

    async def write(self, data: bytes) -> None:
        """Send ``data`` (a device command); :class:`NotConnectedError` if the port is not open."""
        port, inbox = self._port, self._inbox
        if port is None or inbox is None:
            raise NotConnectedError(self.settings.label, "port not open")
        try:
            await asyncio.to_thread(port.write, data)
        except (serial.SerialException, OSError) as exc:
            reason = _describe(exc)
            inbox.put_nowait(_Failure(reason))  # the run loop reopens the port
            raise NotConnectedError(self.settings.label, reason) from exc

    def _set_state(self, emit: Emit, state: DeviceState, reason: str) -> None:
        if state != self._state:
            self._state = state
            emit(DeviceStateChanged(state, reason))

    async def _pump(self, port: Any, emit: Emit) -> str:
        """Read until the port fails; the reason it failed."""
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[bytes | _Failure] = asyncio.Queue()
        stop_reader = _start_reader(loop, port, inbox)
        self._port, self._inbox = port, inbox
        try:
            return await self._consume(loop, inbox, emit)
        finally:
            self._port = self._inbox = None
            stop_reader()

    async def _consume(
        self, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[bytes | _Failure], emit: Emit
    ) -> str:
        idle_timeout = self.codec.idle_timeout
        silence_after = self.settings.silence_after
        last_byte = loop.time()
        idle_pending = False  # bytes arrived since the codec last heard idle()
        while True:
            deadlines = []
            if idle_pending and idle_timeout is not None:
                deadlines.append(last_byte + idle_timeout)
            if silence_after is not None and self._state != DeviceState.SILENT:
                deadlines.append(last_byte + silence_after)
            timeout = max(0.0, min(deadlines) - loop.time()) if deadlines else None
            try:
                item = await asyncio.wait_for(inbox.get(), timeout)
            except TimeoutError:
                quiet = loop.time() - last_byte
                if idle_pending and idle_timeout is not None and quiet >= idle_timeout:
                    idle_pending = False
                    _emit_all(emit, self.codec.idle())
                if silence_after is not None and quiet >= silence_after:
                    reason = f"no data for {silence_after:g} s"
                    self._set_state(emit, DeviceState.SILENT, reason)
                continue
            if isinstance(item, _Failure):
                return item.reason
            last_byte = loop.time()
            idle_pending = True
            self._heard = True
            self._set_state(emit, DeviceState.CONNECTED, "data resumed")
            _emit_all(emit, self.codec.feed(item))

    def _close(self, port: Any) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()


def _emit_all(emit: Emit, events: list[DeviceEvent]) -> None:
    for event in events:
        emit(event)


def _open(settings: SerialSettings) -> Any:
    url = resolve_port(settings.port)
    options: dict[str, Any] = {
        "baudrate": settings.baudrate,
        "bytesize": settings.bytesize,
        "parity": settings.parity,
        "stopbits": settings.stopbits,
        "timeout": 0,
        "write_timeout": _WRITE_TIMEOUT,
        "do_not_open": True,
    }
    if "://" not in url:
        options["exclusive"] = True  # a second gateway process must not steal half the bytes
    port = serial.serial_for_url(url, **options)
    port.open()
    try:
        if settings.on_open:
            port.write(settings.on_open)
    except BaseException:
        port.close()
        raise
    return port


async def _open_in_thread(settings: SerialSettings) -> Any:
    """Open off the loop (a socket:// connect or a USB lookup can take a while).

    If the caller is cancelled meanwhile, the port the thread still opens is closed, not leaked.
    """
    future = asyncio.get_running_loop().run_in_executor(None, _open, settings)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(_close_if_opened)
        raise


def _close_if_opened(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is None:
        with contextlib.suppress(serial.SerialException, OSError):
            future.result().close()


def _fileno(port: Any) -> int | None:
    try:
        fd = port.fileno()
    except (AttributeError, OSError, serial.SerialException, NotImplementedError):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _start_reader(
    loop: asyncio.AbstractEventLoop, port: Any, inbox: asyncio.Queue[bytes | _Failure]
) -> Any:
    """Start delivering the port's bytes (or its failure) to ``inbox``; returns the stopper."""
    fd = _fileno(port)
    if fd is not None:
        os.set_blocking(fd, False)

        def on_readable() -> None:
            try:
                data = os.read(fd, _READ_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                loop.remove_reader(fd)
                inbox.put_nowait(_Failure(_describe(exc)))
                return
            if not data:
                loop.remove_reader(fd)
                inbox.put_nowait(_Failure("end of file"))
                return
            inbox.put_nowait(data)

        loop.add_reader(fd, on_readable)
        return lambda: loop.remove_reader(fd)

    stop = threading.Event()
    port.timeout = _THREAD_READ_TIMEOUT

    def read_forever() -> None:
        while not stop.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # TypeError/AttributeError: pyserial's read on a port closed under it.
                if not stop.is_set():
                    loop.call_soon_threadsafe(inbox.put_nowait, _Failure(_describe(exc)))
                return
            if data and not stop.is_set():
                loop.call_soon_threadsafe(inbox.put_nowait, bytes(data))

    threading.Thread(target=read_forever, name=f"serial-read {port.name}", daemon=True).start()
    return stop.set


def _describe(exc: BaseException) -> str:
    """A short reason for logs and state events."""
    if isinstance(exc, PortNotFoundError):
        return "no such USB device attached"
    text = str(exc)
    if "exclusively lock" in text:
        return "port in use by another program"
    number = getattr(exc, "errno", None)
    if isinstance(number, int) and number > 0:
        return os.strerror(number).lower()
    text = text or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
