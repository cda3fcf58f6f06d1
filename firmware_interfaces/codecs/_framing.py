"""Pieces every framing decoder shares: drop counting and runs of garbage between frames."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable
from typing import Generic, TypeVar

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


CommandT = TypeVar("CommandT", bound=enum.Enum)


class CommandDecoder(Generic[CommandT]):
    """Sans-IO decoder of a device's 3-byte host commands, for its simulator.

    Each command starts with the ``start`` byte; ``commands`` is an enum whose values are the
    commands' bytes. ``check`` (if given) names what is wrong with a candidate (a bad checksum),
    and the decoder resynchronises one byte on. A candidate that passes its check but is not a
    known command is whole, so it is skipped; without a check it may be misaligned, so the
    decoder resynchronises one byte on instead.
    """

    LENGTH = 3

    def __init__(
        self,
        start: int,
        commands: type[CommandT],
        check: Callable[[bytes], str | None] | None = None,
    ) -> None:
        self.counters: Counter[str] = Counter()
        self._buffer = bytearray()
        self._start = start
        self._commands = commands
        self._check = check

    def feed(self, data: bytes) -> list[CommandT]:
        out: list[CommandT] = []
        buf = self._buffer
        buf += data
        n = self.LENGTH
        while buf:
            start = buf.find(self._start)
            if start != 0:
                self.counters["garbage before command"] += 1
                del buf[: start if start > 0 else len(buf)]
                continue
            if len(buf) < n:
                break
            candidate = bytes(buf[:n])
            problem = self._check(candidate) if self._check is not None else None
            if problem is not None:
                self.counters[problem] += 1
                del buf[:1]
                continue
            try:
                out.append(self._commands(candidate))
            except ValueError:
                self.counters["unknown command"] += 1  # e.g. baud-rate or save commands
                del buf[: n if self._check is not None else 1]
                continue
            del buf[:n]
        return out
