"""The shape every device codec has: bytes in, events out, no I/O."""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from firmware_interfaces.events import DeviceEvent


class Codec(Protocol):
    """A sans-IO device codec.

    ``feed`` takes whatever bytes arrived (any split, any garbage) and returns the events they
    complete; bytes it cannot use come back as :class:`~firmware_interfaces.events.FrameRejected`
    events, never as an exception. ``idle`` is called by the transport when the line has been
    quiet for the codec's ``idle_timeout`` seconds (``None``: no idle handling); a codec whose
    frames may lack a terminator completes them there.
    """

    idle_timeout: float | None

    def feed(self, data: bytes) -> list[DeviceEvent]: ...

    def idle(self) -> list[DeviceEvent]: ...


class Encoder(Protocol):
    """The device side of a codec, used by simulators: events out as the bytes a device sends."""

    def encode(self, event: DeviceEvent) -> bytes: ...


class CountingCodec(Codec, Protocol):
    """A codec that also counts what it dropped, keyed by the ``FrameRejected`` reason.

    Every codec in this package is one; the gateway reports the counters as device health.
    """

    counters: Counter[str]
