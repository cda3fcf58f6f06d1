"""Sans-IO decoders: register decoding and MQTT shelf JSON (examples and hypothesis)."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_interfaces.codecs.shelf_json import ShelfJsonCodec, encode_shelf_payload
from firmware_interfaces.events import ClimateReading, FrameRejected, ShelfWeight
from firmware_interfaces.modbus.errors import RegisterDecodeError
from firmware_interfaces.modbus.profiles import (
    WEIGHT_FLOAT32,
    WEIGHT_INT32_GRAMS_CDAB,
    XY_MD02,
    RegisterField,
    Table,
    ValueType,
    WordOrder,
)
from firmware_interfaces.modbus.registers import (
    decode_climate,
    decode_field,
    decode_weight,
    encode_field,
)

REGISTER = st.integers(min_value=0, max_value=0xFFFF)


def test_xy_md02_signed_tenths() -> None:
    # -12.3 °C = 0xFF85 as int16 tenths; 56.7 % = 567
    assert decode_climate(XY_MD02, [0xFF85, 567]) == ClimateReading(-12.3, 56.7)
    assert decode_climate(XY_MD02, [250, 1200]) == FrameRejected(
        "humidity out of range", bytes.fromhex("00fa04b0")
    )


def test_int32_low_word_first_with_scale() -> None:
    # 123456 g, low word first: 0xE240, 0x0001
    assert decode_weight(WEIGHT_INT32_GRAMS_CDAB, [0xE240, 0x0001]) == ShelfWeight(123.456)


@pytest.mark.parametrize(
    ("registers", "reason"),
    [
        (list(struct.unpack(">2H", struct.pack(">f", math.nan))), "not a number"),
        (list(struct.unpack(">2H", struct.pack(">f", math.inf))), "not a number"),
        (list(struct.unpack(">2H", struct.pack(">f", -3.0))), "negative weight"),
        (list(struct.unpack(">2H", struct.pack(">f", 500.0))), "weight above capacity"),
        # 12.5 kg sent low word first: reads as a denormal "almost zero", which must not count
        ([0x0000, 0x4148], "word order looks swapped"),
        # 7.3 kg sent low word first: reads as a wild value
        (list(reversed(struct.unpack(">2H", struct.pack(">f", 7.3)))), "word order looks swapped"),
        ([1], "expected 2 registers"),
    ],
)
def test_bad_weights_are_explained(registers: list[int], reason: str) -> None:
    result = decode_weight(WEIGHT_FLOAT32, registers)
    assert isinstance(result, FrameRejected) and result.reason == reason


def test_swapped_int32_is_named() -> None:
    result = decode_weight(WEIGHT_INT32_GRAMS_CDAB, [0x0000, 0x3039])  # 12345 g, but ABCD
    assert result == FrameRejected("word order looks swapped", bytes.fromhex("00003039"))


@settings(deadline=None, max_examples=60)  # no deadline: CI is a loaded 2-core box
@given(st.lists(REGISTER, max_size=4))
def test_any_registers_give_an_event(registers: list[int]) -> None:
    for profile in (WEIGHT_FLOAT32, WEIGHT_INT32_GRAMS_CDAB):
        assert isinstance(decode_weight(profile, registers), ShelfWeight | FrameRejected)
    assert isinstance(decode_climate(XY_MD02, registers), ClimateReading | FrameRejected)


@settings(deadline=None, max_examples=60)  # no deadline: CI is a loaded 2-core box
@given(
    st.sampled_from(list(ValueType)),
    st.sampled_from(list(WordOrder)),
    st.floats(min_value=-30000, max_value=30000, allow_nan=False),
)
def test_encode_decode_round_trip(kind: ValueType, order: WordOrder, value: float) -> None:
    field = RegisterField("x", Table.HOLDING, 0, kind, order, scale=1.0)
    if kind in (ValueType.UINT16, ValueType.UINT32):
        value = abs(value)
    try:
        registers = encode_field(field, value)
    except struct.error:
        return  # outside the type's range
    expected = value if kind is ValueType.FLOAT32 else round(value)
    try:
        decoded = decode_field(field, registers)
    except RegisterDecodeError:
        pytest.fail("a value we encoded did not decode")
    assert math.isclose(decoded, expected, rel_tol=1e-6, abs_tol=1e-30)


CODEC = ShelfJsonCodec(capacity_kg=50.0)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'{"kg": 12.5}', ShelfWeight(12.5)),
        (b'{"g": 1250, "seq": 4}', ShelfWeight(1.25)),
        (b'{"weight": 3, "unit": "kg"}', ShelfWeight(3.0)),
        (encode_shelf_payload(2.25, seq=1), ShelfWeight(2.25)),
    ],
)
def test_shelf_json_accepts(payload: bytes, expected: ShelfWeight) -> None:
    assert CODEC.decode(payload) == expected
    assert CODEC.feed(payload) == [expected]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"kg": NaN}', "not JSON"),
        (b'{"kg": "12"}', "weight is not a number"),
        (b'{"kg": true}', "weight is not a number"),
        (b'{"kg": -4}', "negative weight"),
        (b'{"kg": 1e400}', "weight is not a number"),
        (b'{"kg": 80}', "weight above capacity"),
        (b'{"weight": 3, "unit": "lb"}', "unknown unit"),
        (b'{"temp": 3}', "no weight"),
        (b'{"error": "hx711 not ready"}', "device error: hx711 not ready"),
        (b'{"kg": 1, "pad": "' + b"x" * 2000 + b'"}', "payload too long"),
    ],
)
def test_shelf_json_rejects_with_reason(payload: bytes, reason: str) -> None:
    result = CODEC.decode(payload)
    assert isinstance(result, FrameRejected) and result.reason == reason
    assert len(result.data) <= 64


@settings(deadline=None, max_examples=60)  # no deadline: CI is a loaded 2-core box
@given(st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
def test_shelf_json_never_raises(payload: bytes) -> None:
    assert isinstance(CODEC.decode(payload), ShelfWeight | FrameRejected)
