"""Typed events that device codecs and transports produce.

Codecs are sans-IO: they turn bytes into these events and never read a clock, so none of these
carry a timestamp. The transport that owns a device stamps each event with the device id and
the time when it hands it to the gateway (see :class:`Emit`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TemperatureReading:
    """A body (object) temperature, with the sensor's ambient temperature where it reports one."""

    celsius: float
    ambient_celsius: float | None = None


@dataclass(frozen=True, slots=True)
class CodeScanned:
    """A complete code read by a scanner or camera.

    ``symbology`` is the AIM symbology identifier without its ``]`` (``"Q1"`` for QR), where the
    scanner sent one.
    """

    text: str
    symbology: str | None = None


@dataclass(frozen=True, slots=True)
class ShelfWeight:
    """A shelf's load in kilograms (net of the platform, gross of any container)."""

    kilograms: float


@dataclass(frozen=True, slots=True)
class ClimateReading:
    celsius: float
    relative_humidity: float


@dataclass(frozen=True, slots=True)
class FrameRejected:
    """Bytes the codec could not use: garbage, a bad checksum, an over-long or non-UTF-8 frame.

    ``reason`` is a short, stable phrase a person can read (it is also the counter's key);
    ``data`` holds at most the first 64 bytes of what was dropped, for the device log.
    """

    reason: str
    data: bytes = b""


class DeviceState(enum.StrEnum):
    CONNECTED = "connected"
    SILENT = "silent"  # open, but nothing heard for longer than the device's silence limit
    UNPLUGGED = "unplugged"  # the port is gone or will not open; the transport keeps retrying


@dataclass(frozen=True, slots=True)
class DeviceStateChanged:
    state: DeviceState
    reason: str


DeviceEvent = (
    TemperatureReading
    | CodeScanned
    | ShelfWeight
    | ClimateReading
    | FrameRejected
    | DeviceStateChanged
)

#: How a transport hands an event to the gateway. The gateway binds the device id and stamps
#: the time; the callable is only ever invoked on the event loop's thread.
Emit = Callable[[DeviceEvent], None]

MAX_REJECTED_SAMPLE = 64


def rejected(reason: str, data: bytes | bytearray) -> FrameRejected:
    """A :class:`FrameRejected` with its sample clipped to :data:`MAX_REJECTED_SAMPLE` bytes."""
    return FrameRejected(reason, bytes(data[:MAX_REJECTED_SAMPLE]))
