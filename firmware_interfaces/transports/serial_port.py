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

Everything the OS has buffered is read at once into a bounded backlog
(:mod:`~firmware_interfaces.transports.backlog`), and the codec is fed from it a piece at a
time, with the loop free between two events to read more. When the device sends faster than its
events are handled, the oldest input is dropped: a flood is reported once, as one
``FrameRejected(INPUT_DROPPED)`` and one warning when it starts and a line when it is over, and
the code sent after it is decoded on its own instead of waiting behind, or being glued to,
seconds of stale noise. Idle gaps are measured between the times bytes were read, not the times
they were decoded, so a scanner's inter-character timeout still ends a frame after a backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import serial
from serial.tools import list_ports

from firmware_interfaces.codecs.base import Codec
from firmware_interfaces.codecs.catalogue import profile
from firmware_interfaces.events import (
    DeviceEvent,
    DeviceState,
    DeviceStateChanged,
    Emit,
    rejected,
)
from firmware_interfaces.transports.backlog import Chunk, InputBacklog
from firmware_interfaces.transports.backoff import Backoff
from firmware_interfaces.transports.serial_errors import (
    NotConnectedError,
    PortNotFoundError,
    SerialSettingsError,
)
from firmware_interfaces.words import N_

log = logging.getLogger(__name__)

_USB = re.compile(r"usb:([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})(?::(.+))?")
_READ_SIZE = 16384  # one os.read; a terminal hands out at most about 4 KiB a read anyway
_FEED_SIZE = 4096  # the most the codec is fed at once, so the port is read again soon
#: How long decoding and handling events may keep the loop before the port is read again. Short
#: enough that read times stay true to the line; long enough that a consumer that keeps up is
#: never outpaced by its own reader (which would drop input for nothing).
_SLICE = 0.01
_THREAD_READ_TIMEOUT = 0.1  # how soon a reader thread notices it should stop
_WRITE_TIMEOUT = 2.0
#: A flood is over when the codec has caught up and nothing was dropped for this long; until
#: then further drops belong to the same flood (one event, one warning).
_FLOOD_OVER_AFTER = 5.0

#: The ``FrameRejected`` reason of a flood: input arrived faster than it could be handled.
INPUT_DROPPED = "input flood: oldest input dropped"
# A device's state, as the page shows it (translated there: edge/i18n). The operating system's
# own words for a failed port are os.strerror's, lower case: the common ones are listed so the
# catalogue has them.
PORT_OPENED = N_("port opened")
DATA_RESUMED = N_("data resumed")
NO_DATA = N_("no data for {seconds} s")
NO_USB_DEVICE = N_("no such USB device attached")
PORT_IN_USE = N_("port in use by another program")
OS_WORDS = (
    N_("no such file or directory"),
    N_("permission denied"),
    N_("input/output error"),
    N_("device or resource busy"),
    N_("no such device"),
)
_LOG_FLOOD = (
    "serial device %s sends faster than its input can be handled: "
    "dropping the oldest input, keeping the newest %d bytes"
)
_LOG_FLOOD_OVER = "serial device %s: flood over; %d bytes of input were dropped"


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
    #: Bytes read but not yet decoded that are kept when the device sends faster than its input
    #: is handled; older ones are dropped as stale. Holds several of the longest codes (8 KiB).
    max_backlog: int = 32 * 1024
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
            ("max_backlog", self.max_backlog >= 1, "must be at least 1"),
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


class _Inbox:
    """What the reader hands the consumer while the port is open: bytes, or why it failed."""

    def __init__(self, limit: int) -> None:
        self.backlog = InputBacklog(limit)
        self.failure: str | None = None
        self.ready = asyncio.Event()

    def push(self, data: bytes, at: float) -> None:
        if self.failure is None:  # after a failure the port is being closed: nothing more
            self.backlog.push(data, at)
            self.ready.set()

    def fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            self.ready.set()


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
        self._inbox: _Inbox | None = None
        self._heard = False  # bytes arrived since the port last opened
        self._dropped_before = 0  # bytes dropped by the backlogs of earlier openings
        self._last_drop: float | None = None  # the last drop of the flood going on, if any
        self._flood_bytes = 0

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

    @property
    def dropped_bytes(self) -> int:
        """Bytes read from the port but dropped unseen by the codec, because a flood outran it."""
        current = self._inbox.backlog.dropped_total if self._inbox is not None else 0
        return self._dropped_before + current

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
            self._set_state(emit, DeviceState.CONNECTED, PORT_OPENED)
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
            inbox.fail(reason)  # the run loop reopens the port
            raise NotConnectedError(self.settings.label, reason) from exc

    def _set_state(self, emit: Emit, state: DeviceState, reason: str) -> None:
        if state != self._state:
            self._state = state
            emit(DeviceStateChanged(state, reason))

    async def _pump(self, port: Any, emit: Emit) -> str:
        """Read until the port fails; the reason it failed."""
        loop = asyncio.get_running_loop()
        inbox = _Inbox(self.settings.max_backlog)
        stop_reader = _start_reader(loop, port, inbox)
        self._port, self._inbox = port, inbox
        try:
            return await self._consume(loop, inbox, emit)
        finally:
            self._port = self._inbox = None
            self._dropped_before += inbox.backlog.dropped_total
            stop_reader()
            self._end_flood()

    async def _consume(self, loop: asyncio.AbstractEventLoop, inbox: _Inbox, emit: Emit) -> str:
        idle_timeout = self.codec.idle_timeout
        silence_after = self.settings.silence_after
        last_read = loop.time()  # when the bytes last fed to the codec were read
        idle_pending = False  # bytes were fed since the codec last heard idle()
        turn = _Turn(loop)
        while True:
            chunk = inbox.backlog.take(_FEED_SIZE)
            if chunk is None:
                if inbox.failure is not None:
                    return inbox.failure
                deadlines = []
                if idle_pending and idle_timeout is not None:
                    deadlines.append(last_read + idle_timeout)
                if silence_after is not None and self._state != DeviceState.SILENT:
                    deadlines.append(last_read + silence_after)
                if self._last_drop is not None:
                    deadlines.append(self._last_drop + _FLOOD_OVER_AFTER)
                timeout = max(0.0, min(deadlines) - loop.time()) if deadlines else None
                inbox.ready.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(inbox.ready.wait(), timeout)
                turn.restart()
                if len(inbox.backlog) or inbox.failure is not None:
                    continue
                quiet = loop.time() - last_read
                if idle_pending and idle_timeout is not None and quiet >= idle_timeout:
                    idle_pending = False
                    await turn.emit(emit, self.codec.idle())
                if silence_after is not None and quiet >= silence_after:
                    reason = NO_DATA.format(seconds=f"{silence_after:g}")
                    self._set_state(emit, DeviceState.SILENT, reason)
                flood = self._last_drop
                if flood is not None and loop.time() - flood >= _FLOOD_OVER_AFTER:
                    self._end_flood()
                continue
            if chunk.dropped:
                self._on_dropped(chunk, emit, loop.time())
                idle_pending = False
            elif idle_pending and idle_timeout is not None and chunk.at - last_read >= idle_timeout:
                # The line went quiet before these bytes, however long they waited here.
                idle_pending = False
                await turn.emit(emit, self.codec.idle())
            last_read = chunk.at
            idle_pending = True
            self._heard = True
            self._set_state(emit, DeviceState.CONNECTED, DATA_RESUMED)
            await turn.emit(emit, self.codec.feed(chunk.data))
            await turn.pause()

    def _on_dropped(self, chunk: Chunk, emit: Emit, now: float) -> None:
        """Input before ``chunk`` was dropped: cut the codec's frame, report a new flood once."""
        # The frame the codec holds lost its continuation: whatever it makes of it now is part
        # of the drop, not a reading or a code (nor one more rejection per break in a flood).
        self.codec.idle()
        if self._last_drop is None:
            log.warning(_LOG_FLOOD, self.settings.label, self.settings.max_backlog)
            emit(rejected(INPUT_DROPPED, chunk.sample))
            self._flood_bytes = 0
        self._last_drop = now
        self._flood_bytes += chunk.dropped

    def _end_flood(self) -> None:
        if self._last_drop is not None:
            log.info(_LOG_FLOOD_OVER, self.settings.label, self._flood_bytes)
            self._last_drop = None

    def _close(self, port: Any) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()


class _Turn:
    """The consumer's turn on the loop: it yields to the port's reader once it has had a slice."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._started = loop.time()

    def restart(self) -> None:
        self._started = self._loop.time()

    async def pause(self) -> None:
        if self._loop.time() - self._started >= _SLICE:
            await asyncio.sleep(0)
            self._started = self._loop.time()

    async def emit(self, emit: Emit, events: Sequence[DeviceEvent]) -> None:
        """Hand on events one by one; handling each may be slow, so the port may be read between."""
        for event in events:
            emit(event)
            await self.pause()


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


def _start_reader(loop: asyncio.AbstractEventLoop, port: Any, inbox: _Inbox) -> Any:
    """Start delivering the port's bytes (or its failure) to ``inbox``; returns the stopper."""
    fd = _fileno(port)
    if fd is not None:
        os.set_blocking(fd, False)
        # Read all the OS holds (bounded, to keep the loop fair): left there, a flood would
        # throttle the device and hold back what it sends next.
        most = 4 * inbox.backlog.limit + _READ_SIZE

        def on_readable() -> None:
            got = 0
            while got < most:
                try:
                    data = os.read(fd, _READ_SIZE)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError as exc:
                    loop.remove_reader(fd)
                    inbox.fail(_describe(exc))
                    return
                if not data:
                    # A terminal set for non-blocking reads (VMIN = VTIME = 0) answers "nothing
                    # more" with an empty read; only the first read after readiness means EOF.
                    if not got:
                        loop.remove_reader(fd)
                        inbox.fail("end of file")
                    return
                got += len(data)
                inbox.push(data, loop.time())

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
                    loop.call_soon_threadsafe(inbox.fail, _describe(exc))
                return
            if data and not stop.is_set():
                # Stamped here: the time it was read, not the time the loop got to it.
                loop.call_soon_threadsafe(inbox.push, bytes(data), loop.time())

    threading.Thread(target=read_forever, name=f"serial-read {port.name}", daemon=True).start()
    return stop.set


def _describe(exc: BaseException) -> str:
    """A short reason for logs and state events."""
    if isinstance(exc, PortNotFoundError):
        return NO_USB_DEVICE
    text = str(exc)
    if "exclusively lock" in text:
        return PORT_IN_USE
    number = getattr(exc, "errno", None)
    if isinstance(number, int) and number > 0:
        return os.strerror(number).lower()
    text = text or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
