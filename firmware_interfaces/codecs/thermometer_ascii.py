"""ASCII thermometer lines, ``{36.7}``: IDC-50-style kiosk temperature modules, 115200 8N1.

One reading per frame, the temperature in degrees Celsius between braces. Modules end frames
with CR, LF or CRLF (or nothing); line ends between frames are ignored, any other stray bytes
there are one "garbage before frame" drop per run. A frame that is cut short (a new ``{`` or a
line end before its ``}``, or the line going idle) is an "incomplete frame"; one longer than
``max_frame`` bytes is "frame too long" and the decoder skips to its end.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from firmware_interfaces.codecs import _options as opt
from firmware_interfaces.codecs._framing import GarbageRun, drop
from firmware_interfaces.codecs.errors import CodecOptionError, UnencodableEventError
from firmware_interfaces.events import DeviceEvent, TemperatureReading

PROTOCOL = "ascii-braces"
BAUDRATE = 115200

_START = ord("{")
_END = ord("}")
_LINE_ENDS = b"\r\n"
_BETWEEN_FRAMES = b"\r\n\t \x00"  # what modules put between frames besides the frames
_STOP = re.compile(rb"[{}\r\n]")
_NUMBER = re.compile(rb"\s*[+-]?\d{1,4}(?:\.\d{1,4})?\s*")


@dataclass(frozen=True, slots=True)
class AsciiBracesOptions:
    #: Longest text between the braces; a real reading is at most ``-12.34``.
    max_frame: int = 16
    #: Values outside this range are sensor faults or error codes (``{999.9}``), not readings.
    #: Whether a plausible reading is a fever is the rules' business, not the codec's.
    min_celsius: float = -40.0
    max_celsius: float = 125.0
    #: Quiet after which a half-received frame is dropped.
    idle_timeout: float | None = 0.5
    #: A longer run of garbage is reported in pieces of this size.
    max_garbage_run: int = 256

    def __post_init__(self) -> None:
        if self.max_frame < 1:
            raise CodecOptionError(PROTOCOL, "max_frame", "must be at least 1")
        if self.min_celsius >= self.max_celsius:
            raise CodecOptionError(PROTOCOL, "min_celsius", "must be below max_celsius")
        if self.max_garbage_run < 1:
            raise CodecOptionError(PROTOCOL, "max_garbage_run", "must be at least 1")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> AsciiBracesOptions:
        return opt.build_options(
            PROTOCOL,
            cls,
            mapping,
            {
                "max_frame": opt.as_int,
                "min_celsius": opt.as_float,
                "max_celsius": opt.as_float,
                "idle_timeout": opt.as_optional_float,
                "max_garbage_run": opt.as_int,
            },
        )


class AsciiBracesDecoder:
    """Sans-IO decoder of ``{36.7}`` frames; see the module docstring for what it drops."""

    def __init__(self, options: AsciiBracesOptions | None = None) -> None:
        self._options = options or AsciiBracesOptions()
        self.idle_timeout: float | None = self._options.idle_timeout
        self.counters: Counter[str] = Counter()
        self._garbage = GarbageRun(self.counters, self._options.max_garbage_run, _BETWEEN_FRAMES)
        self._frame: bytearray | None = None  # None: between frames, hunting for "{"
        self._skipping = False  # inside a frame already dropped as too long
        self._whole_frame = re.compile(rb"\{([^{}\r\n]{0,%d})\}" % self._options.max_frame)

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not yet complete (bounded by ``max_frame`` + 1)."""
        return 0 if self._frame is None else len(self._frame)

    def feed(self, data: bytes) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        pos = 0
        while pos < len(data):
            if self._skipping:
                stop = _STOP.search(data, pos)
                if stop is None:
                    break
                self._skipping = False
                # A "{" starts the next frame; "}" or a line end closes the dropped one.
                pos = stop.start() if data[stop.start()] == _START else stop.end()
            elif self._frame is None:
                start = data.find(b"{", pos)
                self._garbage.add(data, pos, len(data) if start < 0 else start, events)
                if start < 0:
                    break
                self._garbage.flush(events)
                whole = self._whole_frame.match(data, start)
                if whole is not None:  # the common case, a whole frame in this read
                    events.append(self._decode(whole[1]))
                    pos = whole.end()
                else:
                    self._frame = bytearray()
                    pos = start + 1
            else:
                pos = self._in_frame(data, pos, self._frame, events)
        return events

    def _in_frame(self, data: bytes, pos: int, frame: bytearray, events: list[DeviceEvent]) -> int:
        stop = _STOP.search(data, pos)
        end = len(data) if stop is None else stop.start()
        # Never hold more than one byte past the limit, whatever arrives in one read.
        taken = min(end, pos + self._options.max_frame + 1 - len(frame))
        frame += data[pos:taken]
        if len(frame) > self._options.max_frame:
            events.append(drop(self.counters, "frame too long", b"{" + frame))
            self._frame = None
            self._skipping = True
            return taken
        if stop is None:
            return end
        self._frame = None
        if data[end] == _END:
            events.append(self._decode(frame))
            return end + 1
        # "{" or a line end before "}": the frame was cut short; hunting picks up from here.
        events.append(drop(self.counters, "incomplete frame", b"{" + frame))
        return end

    def _decode(self, frame: bytes | bytearray) -> DeviceEvent:
        if _NUMBER.fullmatch(frame) is None:
            return drop(self.counters, "unreadable value", b"{" + frame + b"}")
        celsius = float(frame.decode("ascii"))
        if not self._options.min_celsius <= celsius <= self._options.max_celsius:
            return drop(self.counters, "implausible value", b"{" + frame + b"}")
        return TemperatureReading(celsius)

    def idle(self) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        self._garbage.flush(events)
        if self._frame is not None:
            events.append(drop(self.counters, "incomplete frame", b"{" + self._frame))
            self._frame = None
        self._skipping = False
        return events


class AsciiBracesEncoder:
    """The module's side: a reading as ``{36.7}`` plus a line end."""

    def __init__(self, line_ending: bytes = b"\r\n", decimals: int = 1) -> None:
        self._line_ending = line_ending
        self._decimals = decimals

    def encode(self, event: DeviceEvent) -> bytes:
        if not isinstance(event, TemperatureReading):
            raise UnencodableEventError(PROTOCOL, event, "only temperature readings")
        if not math.isfinite(event.celsius):
            raise UnencodableEventError(PROTOCOL, event, "not a finite temperature")
        return b"{%.*f}" % (self._decimals, event.celsius) + self._line_ending
