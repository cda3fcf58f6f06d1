"""QR / barcode scanners in serial (or USB-CDC) mode.

A scanner sends ``[prefix] [AIM id] code suffix``: the suffix (CR, LF or CRLF) ends a code, an
optional configured prefix is stripped, and with ``aim`` an AIM symbology identifier
(``]`` + letter + modifier, e.g. ``]Q1`` for QR) is stripped and kept in
:attr:`~firmware_interfaces.events.CodeScanned.symbology`. A scanner set to CRLF while the
gateway expects CR (or LF) still works: the stray LF (or CR) is dropped.

Scanners without a suffix are read by the transport's inter-character timeout: when the line
has been quiet for ``idle_timeout`` seconds, :meth:`ScannerDecoder.idle` ends the code.

Codes longer than ``max_code`` bytes are dropped as "code too long" and the decoder skips to the
next suffix; codes that are not UTF-8 are dropped as "unreadable code (not UTF-8)".

In manual-trigger mode the host starts and stops reading with Honeywell-style serial commands,
:data:`TRIGGER` (``SYN T CR``) and :data:`UNTRIGGER` (``SYN U CR``).
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from firmware_interfaces.codecs import _options as opt
from firmware_interfaces.codecs._framing import CommandDecoder, drop
from firmware_interfaces.codecs.errors import CodecOptionError, UnencodableEventError
from firmware_interfaces.events import CodeScanned, DeviceEvent

PROTOCOL = "scanner"
BAUDRATE = 9600

SYN = 0x16
TRIGGER = b"\x16T\r"
UNTRIGGER = b"\x16U\r"

CR = b"\r"
LF = b"\n"
CRLF = b"\r\n"

_AIM = re.compile(rb"\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True, slots=True)
class ScannerOptions:
    suffix: bytes = CR
    prefix: bytes = b""
    aim: bool = False
    #: Health codes are a few hundred bytes; signed EU DCC QR codes reach about 4 KiB.
    max_code: int = 8192
    #: Inter-character timeout: quiet after which what has arrived is a whole code.
    idle_timeout: float | None = 0.2

    def __post_init__(self) -> None:
        if self.suffix not in (CR, LF, CRLF):
            raise CodecOptionError(PROTOCOL, "suffix", "must be CR, LF or CRLF")
        if self.max_code < 1:
            raise CodecOptionError(PROTOCOL, "max_code", "must be at least 1")
        if self.idle_timeout is not None and self.idle_timeout <= 0:
            raise CodecOptionError(PROTOCOL, "idle_timeout", "must be positive or null")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object]) -> ScannerOptions:
        return opt.build_options(
            PROTOCOL,
            cls,
            mapping,
            {
                "suffix": opt.as_line_ending,
                "prefix": opt.as_bytes,
                "aim": opt.as_bool,
                "max_code": opt.as_int,
                "idle_timeout": opt.as_optional_float,
            },
        )


class ScannerDecoder:
    """Sans-IO decoder of scanned codes; see the module docstring."""

    def __init__(self, options: ScannerOptions | None = None) -> None:
        self._options = options or ScannerOptions()
        self.idle_timeout: float | None = self._options.idle_timeout
        self.counters: Counter[str] = Counter()
        self._suffix = self._options.suffix
        # Never more than one code plus a suffix cut in two.
        self._limit = self._options.max_code + len(self._suffix) - 1
        self._buffer = bytearray()
        self._skipping = False  # inside a code already dropped as too long

    @property
    def buffered(self) -> int:
        """Bytes held for a code not yet complete (at most ``max_code`` + suffix - 1)."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        buf = self._buffer
        suffix = self._suffix
        pos = 0
        while pos < len(data):
            # Search only where a suffix can be: the kept tail plus the new bytes.
            tail = len(buf) - (len(suffix) - 1)
            room = self._limit + len(suffix) - len(buf)
            buf += data[pos : pos + room]
            pos += room
            end = buf.find(suffix, max(0, tail))
            start = 0
            while end >= 0:
                if self._skipping:
                    self._skipping = False  # the over-long code ends here, already counted
                else:
                    self._complete(buf[start:end], events)
                start = end + len(suffix)
                end = buf.find(suffix, start)
            del buf[:start]
            if self._skipping or len(buf) > self._limit:
                if not self._skipping:
                    events.append(self._too_long(buf))
                    self._skipping = True
                # Keep only what may be the first half of the suffix.
                del buf[: len(buf) - (len(suffix) - 1)]
        return events

    def idle(self) -> list[DeviceEvent]:
        events: list[DeviceEvent] = []
        raw = bytes(self._buffer)
        self._buffer.clear()
        if self._skipping:
            self._skipping = False
        elif raw:
            if len(self._suffix) > 1 and raw.endswith(self._suffix[:-1]):
                raw = raw[: -(len(self._suffix) - 1)]
            self._complete(raw, events)
        return events

    def _too_long(self, raw: bytes | bytearray) -> DeviceEvent:
        # The sample is the same however the code arrived in pieces.
        return drop(self.counters, "code too long", raw[: self._options.max_code + 1])

    def _complete(self, raw: bytes | bytearray, events: list[DeviceEvent]) -> None:
        # A CRLF scanner on a CR (LF) gateway leaves an LF before (a CR after) each code.
        if self._suffix == CR and raw.startswith(LF):
            raw = raw[1:]
        elif self._suffix == LF and raw.endswith(CR):
            raw = raw[:-1]
        if not raw:
            return  # an empty line between codes
        if len(raw) > self._options.max_code:
            events.append(self._too_long(raw))
            return
        code = bytes(raw)
        if self._options.prefix and code.startswith(self._options.prefix):
            code = code[len(self._options.prefix) :]
        symbology: str | None = None
        if self._options.aim and _AIM.match(code):
            symbology = code[1:3].decode("ascii")
            code = code[3:]
        try:
            text = code.decode("utf-8")
        except UnicodeDecodeError:
            events.append(drop(self.counters, "unreadable code (not UTF-8)", raw))
            return
        if not text:
            events.append(drop(self.counters, "empty code", raw))
            return
        events.append(CodeScanned(text, symbology))


class ScannerEncoder:
    """The scanner's side: a code with the configured prefix, AIM id and suffix."""

    def __init__(self, options: ScannerOptions | None = None) -> None:
        self._options = options or ScannerOptions()

    def encode(self, event: DeviceEvent) -> bytes:
        if not isinstance(event, CodeScanned):
            raise UnencodableEventError(PROTOCOL, event, "only scanned codes")
        if self._options.suffix in event.text.encode("utf-8"):
            raise UnencodableEventError(PROTOCOL, event, "the code contains the suffix")
        aim = b""
        if self._options.aim:
            symbology = event.symbology or "Q1"
            if not _AIM.fullmatch(b"]" + symbology.encode("ascii", "replace")):
                raise UnencodableEventError(PROTOCOL, event, "not an AIM symbology identifier")
            aim = b"]" + symbology.encode("ascii")
        return self._options.prefix + aim + event.text.encode("utf-8") + self._options.suffix


class ScannerCommand(enum.Enum):
    TRIGGER = TRIGGER
    UNTRIGGER = UNTRIGGER


class ScannerCommandDecoder(CommandDecoder[ScannerCommand]):
    """Sans-IO decoder of host commands, for the simulator (the scanner's side of the line)."""

    def __init__(self) -> None:
        super().__init__(SYN, ScannerCommand)
