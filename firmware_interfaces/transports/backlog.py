"""The bytes a port delivered that the codec has not had yet: bounded, oldest dropped first.

A device can send faster than the gateway handles what it sends (a USB-CDC scanner spewing
noise at megabytes a second, while each rejected line costs the checkpoint a verdict and a page
update). Whatever cannot be handled has to go somewhere: left in the kernel it throttles the
device, so that input arriving after the flood waits behind it; queued without a bound it eats
memory and delays the next resident by as long as the flood lasted. So the transport reads
everything the OS holds into this backlog, which keeps at most ``limit`` bytes and drops the
oldest. Old input is the stale input: a resident who scanned during the flood scans again, while
the one who scans after it is decoded at once.

Like the codecs, the backlog never reads a clock: each chunk carries the time it was read,
passed in by the transport, so that idle gaps on the line (which end frames for scanners without
a suffix) survive queueing, and a drop is reported where it happened in the byte stream.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

from firmware_interfaces.events import MAX_REJECTED_SAMPLE


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes read together, when they were read, and how many were dropped just before them.

    ``dropped`` > 0 means the stream is broken before ``data``: the frame the codec was holding
    lost its continuation. ``sample`` is the start of what was dropped, for the device log.
    """

    at: float
    data: bytes
    dropped: int = 0
    sample: bytes = b""


class InputBacklog:
    """A byte queue of at most ``limit`` bytes that drops its oldest bytes when over."""

    __slots__ = ("_chunks", "_dropped", "_limit", "_sample", "_size", "dropped_total")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the backlog must hold at least one byte")
        self._limit = limit
        self._chunks: collections.deque[tuple[float, bytes]] = collections.deque()
        self._size = 0
        self._dropped = 0  # dropped since the last take: a break before the next chunk
        self._sample = bytearray()
        #: Every byte ever dropped.
        self.dropped_total = 0

    def __len__(self) -> int:
        """Bytes held."""
        return self._size

    @property
    def limit(self) -> int:
        return self._limit

    def push(self, data: bytes, at: float) -> None:
        """Add bytes read at ``at``; if more than ``limit`` are now held, drop the oldest."""
        if not data:
            return
        self._chunks.append((at, data))
        self._size += len(data)
        while self._size > self._limit:
            first_at, first = self._chunks[0]
            excess = self._size - self._limit
            if len(first) <= excess:
                self._chunks.popleft()
            else:
                self._chunks[0] = (first_at, first[excess:])
                first = first[:excess]
            self._size -= len(first)
            self._drop(first)

    def take(self, most: int) -> Chunk | None:
        """The oldest bytes (at most ``most``, all of one read) and any drop before them, or None.

        A drop is reported with the bytes after it, so it is handled where it happened in the
        stream. Bytes are never lost: everything pushed is either taken or counted as dropped.
        """
        if not self._chunks:
            return None
        at, data = self._chunks[0]
        if len(data) > most:
            self._chunks[0] = (at, data[most:])
            data = data[:most]
        else:
            self._chunks.popleft()
        self._size -= len(data)
        chunk = Chunk(at, data, self._dropped, bytes(self._sample))
        self._dropped = 0
        self._sample.clear()
        return chunk

    def _drop(self, data: bytes) -> None:
        self._dropped += len(data)
        self.dropped_total += len(data)
        room = MAX_REJECTED_SAMPLE - len(self._sample)
        if room > 0:
            self._sample += data[:room]
