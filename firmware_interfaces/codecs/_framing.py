"""Pieces every framing decoder shares: drop counting and runs of garbage between frames."""

from __future__ import annotations

from collections import Counter

from firmware_interfaces.events import MAX_REJECTED_SAMPLE, DeviceEvent, FrameRejected, rejected

GARBAGE = "garbage before frame"


def drop(counters: Counter[str], reason: str, data: bytes | bytearray) -> FrameRejected:
    """Count one drop under ``reason`` and make its event."""
    counters[reason] += 1
    return rejected(reason, data)


class GarbageRun:
    """The bytes between two frames, reported as one drop when the run ends.

    A run ends at the next frame, when the line goes idle, or after ``limit`` bytes, so that a
    device at the wrong baud rate (an endless run) still shows up in the counters while memory
    stays at one sample. A run made only of ``ignorable`` bytes (line ends between frames) is
    not reported. Where a run ends depends only on the bytes, never on how they were split.
    """

    __slots__ = ("_counters", "_ignorable", "_length", "_limit", "_meaningful", "_sample")

    def __init__(self, counters: Counter[str], limit: int, ignorable: bytes = b"") -> None:
        self._counters = counters
        self._limit = max(1, limit)
        self._ignorable = ignorable
        self._sample = bytearray()
        self._length = 0
        self._meaningful = False

    def add(self, data: bytes | bytearray, start: int, end: int, events: list[DeviceEvent]) -> None:
        while start < end:
            take = min(end - start, self._limit - self._length)
            chunk = bytes(data[start : start + take])
            if not self._meaningful:
                # The sample starts at the first byte that is not a line end between frames.
                chunk = chunk.lstrip(self._ignorable)
                self._meaningful = bool(chunk)
            room = MAX_REJECTED_SAMPLE - len(self._sample)
            if room > 0 and chunk:
                self._sample += chunk[:room]
            self._length += take
            start += take
            if self._length >= self._limit:
                self.flush(events)

    def flush(self, events: list[DeviceEvent]) -> None:
        if self._meaningful:
            events.append(drop(self._counters, GARBAGE, self._sample))
        self._sample = bytearray()
        self._length = 0
        self._meaningful = False
