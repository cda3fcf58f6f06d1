"""A flood on a fast serial link must not delay, or swallow, the next resident's code.

The device is a real pseudo-terminal written by a thread, as fast as the kernel takes bytes, as a
USB-CDC scanner spewing noise would. Handling each event takes a few milliseconds (as a busy
checkpoint's verifier and page updates do), so the gateway cannot keep up with the noise: what
it cannot handle must be dropped, oldest first, counted once, and the code that follows must be
decoded on its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_interfaces.codecs.scanner import ScannerDecoder, ScannerOptions
from firmware_interfaces.events import (
    MAX_REJECTED_SAMPLE,
    CodeScanned,
    DeviceEvent,
    DeviceState,
    FrameRejected,
)
from firmware_interfaces.simulators.pty import PtyPort
from firmware_interfaces.transports import serial_port
from firmware_interfaces.transports.backlog import Chunk, InputBacklog
from firmware_interfaces.transports.serial_port import (
    INPUT_DROPPED,
    SerialDevice,
    SerialSettings,
)
from tests.devices.helpers import Recorder, running

FLOOD = 4 * 1024 * 1024
CODE = "HC1:VALID-AFTER-FLOOD"
IDLE = 0.05  # the scanner's inter-character timeout
GAP = 0.25  # the quiet between the flood and the next scan, several inter-character timeouts
#: What the terminal itself may still hold when the writer's last write returns (about 20 KiB
#: on Linux), and one read in flight: bytes the gateway has not seen yet, so could not drop.
KERNEL_SLACK = 64 * 1024


class CountingScanner(ScannerDecoder):
    """The scanner codec, counting every byte the transport feeds it."""

    def __init__(self) -> None:
        super().__init__(ScannerOptions(idle_timeout=IDLE))
        self.fed = 0

    def feed(self, data: bytes) -> list[DeviceEvent]:
        self.fed += len(data)
        return super().feed(data)


class SlowRecorder(Recorder):
    """A recorder whose every event takes ``cost`` seconds to handle, like a busy checkpoint."""

    def __init__(self, codec: CountingScanner, cost: float) -> None:
        super().__init__()
        self._codec = codec
        self._cost = cost
        self.fed_when_decoded: int | None = None

    def __call__(self, event: DeviceEvent) -> None:
        super().__call__(event)
        if event == CodeScanned(CODE):
            self.fed_when_decoded = self._codec.fed
        time.sleep(self._cost)


def write_all(fd: int, data: bytes) -> None:
    """Blocking writes to the terminal's device end, as a device on the wire would send."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


async def test_a_code_after_a_flood_is_decoded_on_its_own(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serial_port, "_FLOOD_OVER_AFTER", 0.2)  # to see the flood end, too
    caplog.set_level(logging.INFO, logger="firmware_interfaces.transports.serial_port")
    noise = random.Random(12).randbytes(FLOOD)
    code = CODE.encode() + b"\r"
    pty = PtyPort(asyncio.get_running_loop())
    codec = CountingScanner()
    events = SlowRecorder(codec, cost=0.005)
    device = SerialDevice(SerialSettings(str(pty.path)), codec)
    flood_end: dict[str, Any] = {}

    def play() -> None:
        os.set_blocking(pty.master, True)
        write_all(pty.master, noise)
        flood_end["fed"] = codec.fed
        time.sleep(GAP)  # the next resident steps up and scans
        write_all(pty.master, code)

    try:
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await asyncio.to_thread(play)
            await events.wait_for(lambda: events.fed_when_decoded is not None, "the code")
            await events.wait_for(lambda: _logged(caplog, "flood over"), "the end of the flood")
    finally:
        pty.close()

    # Decoded on its own: exactly once, and no other event holds any of its bytes.
    assert events.events.count(CodeScanned(CODE)) == 1
    glued = [e for e in events.events if e != CodeScanned(CODE) and b"VALID-AFTER" in _bytes(e)]
    assert glued == []
    # Promptly, in input: after the flood, only the bounded backlog (and what the kernel still
    # held) was decoded before the code.
    assert events.fed_when_decoded is not None
    stale = events.fed_when_decoded - flood_end["fed"] - len(code)
    assert stale <= device.settings.max_backlog + KERNEL_SLACK
    # Every byte was either decoded or counted as dropped; the drop is one event, one warning.
    assert device.dropped_bytes > 0
    assert codec.fed + device.dropped_bytes == len(noise) + len(code)
    drops = [e for e in events.events if isinstance(e, FrameRejected) and e.reason == INPUT_DROPPED]
    assert len(drops) == 1
    assert drops[0].data and drops[0].data in noise
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "dropping the oldest input" in warnings[0].getMessage()
    assert _logged(caplog, f"flood over; {device.dropped_bytes} bytes of input were dropped")


def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


def _bytes(event: DeviceEvent) -> bytes:
    if isinstance(event, CodeScanned):
        return event.text.encode()
    if isinstance(event, FrameRejected):
        return event.data
    return b""


PUSH = st.tuples(st.just("push"), st.binary(min_size=1, max_size=40))
TAKE = st.tuples(st.just("take"), st.integers(min_value=1, max_value=50))


@given(limit=st.integers(min_value=1, max_value=64), steps=st.lists(PUSH | TAKE, max_size=60))
def test_the_backlog_keeps_the_newest_bytes_and_accounts_for_every_byte(
    limit: int, steps: list[tuple[str, Any]]
) -> None:
    backlog = InputBacklog(limit)
    stream = bytearray()  # everything pushed, in order
    read_at: list[float] = []  # for each byte of the stream, when it was pushed
    position = 0  # how far takes (and the drops they report) have got in the stream
    reported = 0

    def check(chunk: Chunk) -> None:
        nonlocal position, reported
        # A drop is reported just before the bytes that followed it, with its first bytes.
        assert chunk.sample == stream[position : position + min(chunk.dropped, MAX_REJECTED_SAMPLE)]
        position += chunk.dropped
        reported += chunk.dropped
        assert chunk.data
        assert chunk.data == stream[position : position + len(chunk.data)]
        # The bytes of a chunk were read together, and keep the time they were read at.
        assert {read_at[i] for i in range(position, position + len(chunk.data))} == {chunk.at}
        position += len(chunk.data)

    for number, (step, value) in enumerate(steps):
        if step == "push":
            before = backlog.dropped_total
            backlog.push(value, at=float(number))
            stream += value
            read_at += [float(number)] * len(value)
            assert len(backlog) <= limit
            if backlog.dropped_total > before:
                assert len(backlog) == limit  # only the oldest go, and only when it is full
        elif (chunk := backlog.take(value)) is None:
            assert len(backlog) == 0
        else:
            assert len(chunk.data) <= value
            check(chunk)
    # What is held is the newest of the stream; every byte was taken or reported dropped.
    while (chunk := backlog.take(limit)) is not None:
        check(chunk)
    assert position == len(stream)
    assert reported == backlog.dropped_total
