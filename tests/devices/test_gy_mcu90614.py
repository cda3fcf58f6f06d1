from __future__ import annotations

import pytest

from firmware_interfaces.codecs.errors import UnencodableEventError
from firmware_interfaces.codecs.gy_mcu90614 import (
    CONTINUOUS,
    QUERY,
    GyCommand,
    GyCommandDecoder,
    GyMcu90614Decoder,
    GyMcu90614Encoder,
    checksum,
)
from firmware_interfaces.events import FrameRejected, TemperatureReading
from tests.devices.helpers import assert_split_invariant, readings, reasons

# 36.71 °C object, 24.50 °C ambient, as the module sends it.
FRAME = bytes.fromhex("5a5a4504 0e57 0992") + bytes([checksum(bytes.fromhex("5a5a45040e570992"))])
READING = TemperatureReading(36.71, 24.5)


def test_the_documented_frame_and_commands() -> None:
    assert FRAME.hex(" ") == "5a 5a 45 04 0e 57 09 92 fd"
    assert bytes.fromhex("a545ea") == CONTINUOUS
    assert bytes.fromhex("a515ba") == QUERY
    assert GyMcu90614Encoder().encode(READING) == FRAME


def test_frames_decode_at_every_split() -> None:
    below_zero = GyMcu90614Encoder().encode(TemperatureReading(-12.5, -3.25))
    events = assert_split_invariant(GyMcu90614Decoder, FRAME + below_zero + FRAME)
    assert events == [READING, TemperatureReading(-12.5, -3.25), READING]


def test_resync_on_the_header_after_garbage() -> None:
    trace = b"\x00\x12\x5a\x34" + FRAME + b"\x5a\x5a\x5a" + FRAME + b"\x5a\x5a\x99\x04" + FRAME
    decoder = GyMcu90614Decoder()
    events = assert_split_invariant(GyMcu90614Decoder, trace)
    decoder.feed(trace)
    assert readings(events) == [READING] * 3
    assert events[0] == FrameRejected("garbage before frame", b"\x00\x12\x5a\x34")
    assert reasons(events) == ["garbage before frame"] * 3
    assert decoder.counters == {"garbage before frame": 3}


def test_bad_checksum_is_dropped_and_the_next_frame_decodes() -> None:
    corrupt = FRAME[:5] + b"\x00" + FRAME[6:]
    events = assert_split_invariant(GyMcu90614Decoder, corrupt + FRAME)
    assert events == [FrameRejected("bad checksum", corrupt), READING]


def test_a_frame_cut_short_by_the_next_one_loses_only_itself() -> None:
    for cut in range(4, 9):
        events = assert_split_invariant(GyMcu90614Decoder, FRAME[:cut] + FRAME + FRAME)
        assert readings(events) == [READING, READING], f"cut at {cut}"
        assert len(reasons(events)) == 1


def test_values_outside_the_sensor_range_are_implausible() -> None:
    body = bytes.fromhex("5a5a4504 8000 0992")  # -327.68 °C
    frame = body + bytes([checksum(body)])
    assert GyMcu90614Decoder().feed(frame + FRAME) == [
        FrameRejected("implausible value", frame),
        READING,
    ]


def test_idle_drops_a_half_frame() -> None:
    decoder = GyMcu90614Decoder()
    assert decoder.feed(FRAME[:6]) == []
    assert decoder.buffered == 6
    assert decoder.idle() == [FrameRejected("incomplete frame", FRAME[:6])]
    assert decoder.feed(FRAME) == [READING]


def test_garbage_flood_keeps_at_most_one_frame_buffered() -> None:
    decoder = GyMcu90614Decoder()
    noise = bytes(range(256)) * 40  # contains 5A but never 5A 5A
    for _ in range(100):
        decoder.feed(noise)
        assert decoder.buffered <= 9
    assert decoder.counters["garbage before frame"] == 100 * len(noise) // 256
    assert readings(decoder.feed(FRAME)) == [READING]


def test_encoder_refuses_what_a_frame_cannot_carry() -> None:
    with pytest.raises(UnencodableEventError):
        GyMcu90614Encoder().encode(TemperatureReading(400.0))
    assert GyMcu90614Encoder(default_ambient=20.0).encode(TemperatureReading(36.0))[6:8] == bytes(
        [0x07, 0xD0]
    )


def test_command_decoder_finds_commands_among_noise() -> None:
    decoder = GyCommandDecoder()
    trace = b"\x00" + CONTINUOUS + b"\xa5\x15\x00" + QUERY + bytes.fromhex("a551f6")
    commands = []
    for byte in trace:
        commands += decoder.feed(bytes([byte]))
    assert commands == [GyCommand.CONTINUOUS, GyCommand.QUERY]
    assert decoder.counters["unknown command"] == 1
    assert decoder.counters["bad checksum"] >= 1
