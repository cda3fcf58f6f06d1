"""GY-MCU90614 (MLX90614 behind an STM8 module), binary frames, 9600 8N1.

Module to host, nine bytes::

    5A 5A 45 04 TOh TOl TAh TAl SUM

object (TO) and ambient (TA) temperature in hundredths of a degree Celsius, big-endian, signed
(the ambient can be below zero); SUM is the low byte of the sum of the first eight bytes.

Host to module, three bytes ``A5 CMD SUM`` (SUM = low byte of A5 + CMD): :data:`CONTINUOUS`
(``A5 45 EA``) makes the module send a frame every few tens of milliseconds, :data:`QUERY`
(``A5 15 BA``) asks for one frame.

After garbage or a bad checksum the decoder resynchronises on the next ``5A 5A`` header.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from firmware_interfaces.codecs import _options as opt
from firmware_interfaces.codecs._framing import CommandDecoder, GarbageRun, drop
from firmware_interfaces.codecs.errors import CodecOptionError, UnencodableEventError
from firmware_interfaces.events import DeviceEvent, TemperatureReading

PROTOCOL = "gy-mcu90614"
BAUDRATE = 9600

HEADER = b"\x5a\x5a"
FRAME_TYPE = 0x45
DATA_LENGTH = 4
FRAME_LENGTH = 9
_HEADER_BYTE = 0x5A

COMMAND_START = 0xA5
CONTINUOUS = b"\xa5\x45\xea"
QUERY = b"\xa5\x15\xba"


def checksum(data: bytes | bytearray) -> int:
    return sum(data) & 0xFF


@dataclass(frozen=True, slots=True)
class GyMcu90614Options:
    #: The MLX90614's measuring ranges; values outside them are corrupt frames that happened
    #: to pass the checksum. Whether a reading is a fever is for the rules, not the codec.
    min_object_celsius: float = -70.0
    max_object_celsius: float = 382.2
    min_ambient_celsius: float = -40.0
    max_ambient_celsius: float = 125.0
    idle_timeout: float | None = 0.5
    max_garbage_run: int = 256

    def __post_init__(self) -> None:
        if self.min_object_celsius >= self.max_object_celsius:
            raise CodecOptionError(PROTOCOL, "min_object_celsius", "must be below the maximum")
        if self.min_ambient_celsius >= self.max_ambient_celsius:
            raise CodecOptionError(PROTOCOL, "min_ambient_celsius", "must be below the maximum")
        if self.max_garbage_run < 1:
            raise CodecOptionError(PROTOCOL, "max_garbage_run", "must be at least 1")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> GyMcu90614Options:
        return opt.build_options(
            PROTOCOL,
            cls,
            mapping,
            {
                "min_object_celsius": opt.as_float,
                "max_object_celsius": opt.as_float,
                "min_ambient_celsius": opt.as_float,
                "max_ambient_celsius": opt.as_float,
                "idle_timeout": opt.as_optional_float,
                "max_garbage_run": opt.as_int,
            },
        )


class GyMcu90614Decoder:
    """Sans-IO decoder of the module's temperature frames."""

    def __init__(self, options: GyMcu90614Options | None = None) -> None:
        self._options = options or GyMcu90614Options()
        self.idle_timeout: float | None = self._options.idle_timeout
        self.counters: Counter[str] = Counter()
        self._garbage = GarbageRun(self.counters, self._options.max_garbage_run)
        self._buffer = bytearray()  # under FRAME_LENGTH + 1 bytes between calls

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not yet complete (at most one frame)."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        buf = self._buffer
        buf += data
        pos = 0
        while pos < len(buf):
            head = buf.find(HEADER, pos)
            if head < 0:
                # A last 5A may be the first half of a header.
                keep = 1 if buf[-1] == _HEADER_BYTE else 0
                self._garbage.add(buf, pos, len(buf) - keep, events)
                pos = len(buf) - keep
                break
            self._garbage.add(buf, pos, head, events)
            pos = head
            if len(buf) - pos < 4:
                break
            if buf[pos + 2] != FRAME_TYPE or buf[pos + 3] != DATA_LENGTH:
                # Not a frame after all: its first byte is garbage, the search goes on.
                self._garbage.add(buf, pos, pos + 1, events)
                pos += 1
                continue
            if len(buf) - pos < FRAME_LENGTH:
                break
            used = self._frame(buf, pos, events)
            if used == 0:
                break
            pos += used
        del buf[:pos]
        return events

    def _frame(self, buf: bytearray, pos: int, events: list[DeviceEvent]) -> int:
        """Decode the frame at ``pos``; the bytes it used, 0 if it needs one more byte."""
        frame = buf[pos : pos + FRAME_LENGTH]
        reason = "bad checksum" if checksum(frame[:8]) != frame[8] else self._implausible(frame)
        if reason is None:
            self._garbage.flush(events)
            events.append(self._reading(frame))
            return FRAME_LENGTH
        # Most often a frame cut short by the next one: resume at that one's header. Whether
        # the last byte starts a header is only known with the byte after it.
        resume = buf.find(HEADER, pos + 2, pos + FRAME_LENGTH + 1)
        if resume < 0 and frame[-1] == _HEADER_BYTE and len(buf) - pos == FRAME_LENGTH:
            return 0
        used = resume - pos if resume >= 0 else FRAME_LENGTH
        self._garbage.flush(events)
        events.append(drop(self.counters, reason, buf[pos : pos + used]))
        return used

    def _implausible(self, frame: bytearray) -> str | None:
        obj, amb = _values(frame)
        o = self._options
        if (
            o.min_object_celsius <= obj <= o.max_object_celsius
            and o.min_ambient_celsius <= amb <= o.max_ambient_celsius
        ):
            return None
        return "implausible value"

    @staticmethod
    def _reading(frame: bytearray) -> TemperatureReading:
        obj, amb = _values(frame)
        return TemperatureReading(obj, amb)

    def idle(self) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        if self._buffer and self._buffer.startswith(HEADER):
            self._garbage.flush(events)
            events.append(drop(self.counters, "incomplete frame", self._buffer))
        else:
            self._garbage.add(self._buffer, 0, len(self._buffer), events)
            self._garbage.flush(events)
        self._buffer.clear()
        return events


def _values(frame: bytearray) -> tuple[float, float]:
    """Object and ambient temperature of a frame, in degrees Celsius."""
    obj = int.from_bytes(frame[4:6], "big", signed=True) / 100
    amb = int.from_bytes(frame[6:8], "big", signed=True) / 100
    return obj, amb


class GyMcu90614Encoder:
    """The module's side: a reading as one frame. Without an ambient the module reports 25.00."""

    def __init__(self, default_ambient: float = 25.0) -> None:
        self._default_ambient = default_ambient

    def encode(self, event: DeviceEvent) -> bytes:
        if not isinstance(event, TemperatureReading):
            raise UnencodableEventError(PROTOCOL, event, "only temperature readings")
        ambient = self._default_ambient if event.ambient_celsius is None else event.ambient_celsius
        body = bytearray(HEADER) + bytes((FRAME_TYPE, DATA_LENGTH))
        for value in (event.celsius, ambient):
            if not math.isfinite(value) or not -327.68 <= value <= 327.67:
                raise UnencodableEventError(PROTOCOL, event, "temperature out of range")
            body += round(value * 100).to_bytes(2, "big", signed=True)
        body.append(checksum(body))
        return bytes(body)


class GyCommand(enum.Enum):
    CONTINUOUS = CONTINUOUS
    QUERY = QUERY


def _command_checksum(candidate: bytes) -> str | None:
    return None if checksum(candidate[:2]) == candidate[2] else "bad checksum"


class GyCommandDecoder(CommandDecoder[GyCommand]):
    """Sans-IO decoder of host commands, for the simulator (the module's side of the line)."""

    def __init__(self) -> None:
        super().__init__(COMMAND_START, GyCommand, _command_checksum)
