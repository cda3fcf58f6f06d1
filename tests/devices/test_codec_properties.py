"""Whatever bytes arrive, in whatever pieces: only events, the same events, bounded memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_interfaces.codecs.gy_mcu90614 import GyMcu90614Decoder, GyMcu90614Encoder
from firmware_interfaces.codecs.scanner import (
    CRLF,
    LF,
    ScannerDecoder,
    ScannerEncoder,
    ScannerOptions,
)
from firmware_interfaces.codecs.thermometer_ascii import (
    AsciiBracesDecoder,
    AsciiBracesEncoder,
    AsciiBracesOptions,
)
from firmware_interfaces.events import (
    MAX_REJECTED_SAMPLE,
    CodeScanned,
    FrameRejected,
    TemperatureReading,
)
from tests.devices.helpers import feed_in_pieces, readings


@dataclass(frozen=True)
class Case:
    make: Callable[[], AsciiBracesDecoder | GyMcu90614Decoder | ScannerDecoder]
    bound: int  # the most bytes the decoder may hold between calls
    alphabet: bytes  # bytes that matter to its framing, mixed into the random input


CASES = {
    "ascii": Case(lambda: AsciiBracesDecoder(AsciiBracesOptions(max_garbage_run=32)), 17,
                  b"{}\r\n0123456789.-"),
    "gy": Case(GyMcu90614Decoder, 9, bytes([0x5A, 0x45, 0x04, 0x0E, 0x00, 0xFF])),
    "scanner": Case(lambda: ScannerDecoder(ScannerOptions(suffix=CRLF, max_code=24, aim=True)),
                    25, b"\r\n]Q1aZ\xc3\xa9\xff"),
    "scanner-lf": Case(lambda: ScannerDecoder(ScannerOptions(suffix=LF, max_code=8)), 8,
                       b"\r\nab\xff"),
}  # fmt: skip

EVENT_TYPES = (TemperatureReading, CodeScanned, FrameRejected)


@st.composite
def stream(draw: st.DrawFn, alphabet: bytes) -> tuple[bytes, list[int]]:
    parts = draw(
        st.lists(
            st.binary(max_size=40)
            | st.lists(st.sampled_from(list(alphabet)), max_size=40).map(bytes),
            max_size=12,
        )
    )
    data = b"".join(parts)
    cuts = draw(st.lists(st.integers(0, len(data)), max_size=20))
    return data, cuts


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_bytes_any_split(name: str, data: st.DataObject) -> None:
    case = CASES[name]
    payload, cuts = data.draw(stream(case.alphabet))
    whole_decoder = case.make()
    whole = whole_decoder.feed(payload)
    split_decoder = case.make()
    pieces = []
    start = 0
    for cut in sorted(set(cuts)):
        pieces += split_decoder.feed(payload[start:cut])
        start = cut
        assert split_decoder.buffered <= case.bound
    pieces += split_decoder.feed(payload[start:])
    assert pieces == whole
    after_idle = whole + whole_decoder.idle()
    assert all(isinstance(e, EVENT_TYPES) for e in after_idle)
    rejected = [e for e in after_idle if isinstance(e, FrameRejected)]
    assert all(len(e.data) <= MAX_REJECTED_SAMPLE and e.reason for e in rejected)
    assert sum(whole_decoder.counters.values()) == len(rejected)
    assert whole_decoder.buffered == 0
    assert whole_decoder.idle() == []


temperatures = st.floats(-40, 120).map(lambda t: round(t, 1))
junk_without_brace = st.binary(max_size=20).filter(lambda b: b"{" not in b and b"}" not in b)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # CI is slow, not wrong
@given(st.lists(st.tuples(junk_without_brace, temperatures), max_size=10), st.data())
def test_ascii_readings_survive_garbage_between_frames(
    frames: list[tuple[bytes, float]], data: st.DataObject
) -> None:
    encoder = AsciiBracesEncoder()
    trace = b"".join(junk + encoder.encode(TemperatureReading(t)) for junk, t in frames)
    cuts = data.draw(st.lists(st.integers(0, len(trace)), max_size=10))
    events = feed_in_pieces(AsciiBracesDecoder(), trace, cuts)
    assert [r.celsius for r in readings(events)] == [t for _, t in frames]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # CI is slow, not wrong
@given(
    st.lists(
        st.tuples(
            st.binary(max_size=20).filter(lambda b: 0x5A not in b),
            st.floats(-70, 300).map(lambda t: round(t, 2)),
            st.floats(-40, 125).map(lambda t: round(t, 2)),
        ),
        max_size=10,
    ),
    st.data(),
)
def test_gy_readings_survive_garbage_between_frames(
    frames: list[tuple[bytes, float, float]], data: st.DataObject
) -> None:
    encoder = GyMcu90614Encoder()
    trace = b"".join(junk + encoder.encode(TemperatureReading(t, a)) for junk, t, a in frames)
    cuts = data.draw(st.lists(st.integers(0, len(trace)), max_size=10))
    events = feed_in_pieces(GyMcu90614Decoder(), trace, cuts)
    assert readings(events) == [TemperatureReading(t, a) for _, t, a in frames]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # CI is slow, not wrong
@given(st.lists(st.text(min_size=1, max_size=60).filter(lambda t: "\r" not in t
                                                        and not t.startswith("\n")),
                max_size=8), st.data())  # fmt: skip
def test_scanner_round_trip(texts: list[str], data: st.DataObject) -> None:
    options = ScannerOptions(aim=True, max_code=1024)
    encoder = ScannerEncoder(options)
    trace = b"".join(encoder.encode(CodeScanned(t, "Q1")) for t in texts)
    cuts = data.draw(st.lists(st.integers(0, len(trace)), max_size=10))
    events = feed_in_pieces(ScannerDecoder(options), trace, cuts)
    assert events == [CodeScanned(t, "Q1") for t in texts]
