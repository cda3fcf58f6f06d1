from __future__ import annotations

import pytest

from firmware_interfaces.codecs.errors import CodecOptionError, UnencodableEventError
from firmware_interfaces.codecs.thermometer_ascii import (
    AsciiBracesDecoder,
    AsciiBracesEncoder,
    AsciiBracesOptions,
)
from firmware_interfaces.events import CodeScanned, FrameRejected, TemperatureReading
from tests.devices.helpers import assert_split_invariant, readings, reasons


def test_lines_with_any_line_end_decode_at_every_split() -> None:
    trace = b"{36.7}\r\n{37.1}\n{35.9}\r{36.0}{-5.25}\r\n"
    events = assert_split_invariant(AsciiBracesDecoder, trace)
    assert events == [
        TemperatureReading(36.7),
        TemperatureReading(37.1),
        TemperatureReading(35.9),
        TemperatureReading(36.0),
        TemperatureReading(-5.25),
    ]


def test_stray_bytes_between_frames_are_one_counted_drop_per_run() -> None:
    trace = b"\x00\xff\xfe{36.7}\r\nAT+OK\r\n{36.8}  \t\r\n{36.9}"
    decoder = AsciiBracesDecoder()
    events = assert_split_invariant(AsciiBracesDecoder, trace)
    decoder.feed(trace)
    assert readings(events) == [TemperatureReading(36.7), TemperatureReading(36.8),
                                TemperatureReading(36.9)]  # fmt: skip
    # The sample starts where the garbage does: NULs and line ends between frames are normal.
    assert events[0] == FrameRejected("garbage before frame", b"\xff\xfe")
    assert reasons(events) == ["garbage before frame", "garbage before frame"]
    assert decoder.counters == {"garbage before frame": 2}


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"{999.9}", "implausible value"),
        (b"{-80}", "implausible value"),
        (b"{nan}", "unreadable value"),
        (b"{inf}", "unreadable value"),
        (b"{}", "unreadable value"),
        (b"{3_6.7}", "unreadable value"),
        (b"{36,7}", "unreadable value"),
        (b"{\xff\xfe}", "unreadable value"),
        (b"{12345678901234567890}", "frame too long"),
    ],
)
def test_bad_frames_are_dropped_with_a_reason_and_decoding_resumes(
    frame: bytes, reason: str
) -> None:
    trace = frame + b"\r\n{36.6}\r\n"
    events = assert_split_invariant(AsciiBracesDecoder, trace)
    assert reasons(events) == [reason]
    assert readings(events) == [TemperatureReading(36.6)]


def test_a_frame_cut_short_is_incomplete_and_the_next_one_counts() -> None:
    events = assert_split_invariant(AsciiBracesDecoder, b"{36.{36.7}\r\n{37\r\n{37.2}")
    assert reasons(events) == ["incomplete frame", "incomplete frame"]
    assert readings(events) == [TemperatureReading(36.7), TemperatureReading(37.2)]


def test_idle_drops_a_half_frame_and_reports_pending_garbage() -> None:
    decoder = AsciiBracesDecoder()
    assert decoder.feed(b"junk{36.") == [FrameRejected("garbage before frame", b"junk")]
    assert decoder.idle() == [FrameRejected("incomplete frame", b"{36.")]
    # Garbage is reported when its run ends: at the next frame or when the line goes quiet.
    assert decoder.feed(b"7}") == []
    assert decoder.feed(b"zz") == []
    assert decoder.idle() == [FrameRejected("garbage before frame", b"7}zz")]
    assert decoder.idle() == []


def test_an_endless_garbage_run_is_reported_in_pieces_with_bounded_memory() -> None:
    decoder = AsciiBracesDecoder(AsciiBracesOptions(max_garbage_run=100))
    events = []
    for _ in range(1000):
        events += decoder.feed(b"x" * 1000)
        assert decoder.buffered == 0
    assert len(events) == 10_000
    assert decoder.counters["garbage before frame"] == 10_000
    assert all(len(e.data) <= 64 for e in events if isinstance(e, FrameRejected))


def test_an_endless_frame_is_dropped_once_with_bounded_memory() -> None:
    decoder = AsciiBracesDecoder()
    events = decoder.feed(b"{" + b"1" * 100_000)
    for _ in range(10):
        events += decoder.feed(b"1" * 10_000)
        assert decoder.buffered <= 17
    events += decoder.feed(b"}{36.6}")
    assert reasons(events) == ["frame too long"]
    assert readings(events) == [TemperatureReading(36.6)]


def test_encoder_round_trip_and_refusals() -> None:
    encoder = AsciiBracesEncoder()
    assert encoder.encode(TemperatureReading(36.66)) == b"{36.7}\r\n"
    assert AsciiBracesDecoder().feed(encoder.encode(TemperatureReading(-3.0))) == [
        TemperatureReading(-3.0)
    ]
    with pytest.raises(UnencodableEventError):
        encoder.encode(CodeScanned("x"))
    with pytest.raises(UnencodableEventError):
        encoder.encode(TemperatureReading(float("nan")))


def test_options_from_config_name_the_bad_option() -> None:
    options = AsciiBracesOptions.from_mapping({"max_celsius": 60, "idle_timeout": None})
    assert options.max_celsius == 60.0
    assert options.idle_timeout is None
    with pytest.raises(CodecOptionError) as unknown:
        AsciiBracesOptions.from_mapping({"max_celcius": 60})
    assert unknown.value.option == "max_celcius"
    with pytest.raises(CodecOptionError) as wrong:
        AsciiBracesOptions.from_mapping({"max_frame": "16"})
    assert wrong.value.option == "max_frame"
    with pytest.raises(CodecOptionError):
        AsciiBracesOptions(min_celsius=50, max_celsius=40)
