from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_interfaces.codecs.errors import CodecOptionError
from firmware_interfaces.codecs.mqtt_thermometer import (
    MqttThermometerDecoder,
    MqttThermometerOptions,
    encode,
)
from firmware_interfaces.events import FrameRejected, TemperatureReading


@pytest.mark.parametrize(
    ("payload", "reading"),
    [
        (b'{"temperature": 36.7}', TemperatureReading(36.7)),
        (b'{"celsius": 36.7, "ambient": 22.1}', TemperatureReading(36.7, 22.1)),
        (b'{"temperature": 37, "ambient": null}', TemperatureReading(37.0)),
        (b"36.5", TemperatureReading(36.5)),
        (b'{"temperature": 36.7, "battery": 80}', TemperatureReading(36.7)),
    ],
)
def test_accepted_payloads(payload: bytes, reading: TemperatureReading) -> None:
    assert MqttThermometerDecoder().decode(payload) == reading


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"{temperature: 36.7}", "not JSON"),
        (b"", "not JSON"),
        (b"NaN", "not a finite number"),
        (b'{"temperature": Infinity}', "not a finite number"),
        (b'{"temperature": 1e999}', "not a finite number"),
        (b'{"temperature": "36.7"}', "temperature not a number"),
        (b'{"temperature": true}', "temperature not a number"),
        (b'{"temperature": 36.7, "ambient": "warm"}', "temperature not a number"),
        (b"[36.7]", "temperature not a number"),
        (b'{"temp": 36.7}', "no temperature field"),
        (b'{"temperature": 900}', "implausible value"),
        (b"1" + b"0" * 400, "implausible value"),
        (b"[" * 5000, "payload too long"),
    ],
)
def test_rejected_payloads_say_why(payload: bytes, reason: str) -> None:
    decoder = MqttThermometerDecoder()
    result = decoder.decode(payload)
    assert isinstance(result, FrameRejected)
    assert result.reason == reason
    assert result.data == payload[:64]
    assert decoder.counters == {reason: 1}


def test_field_names_are_configurable() -> None:
    options = MqttThermometerOptions.from_mapping({"fields": "obj", "ambient_fields": ["env"]})
    decoder = MqttThermometerDecoder(options)
    assert decoder.decode(b'{"obj": 36.1, "env": 20}') == TemperatureReading(36.1, 20.0)
    assert isinstance(decoder.decode(b'{"temperature": 36.1}'), FrameRejected)
    with pytest.raises(CodecOptionError):
        MqttThermometerOptions.from_mapping({"fields": 3})


def test_encode_round_trip() -> None:
    reading = TemperatureReading(36.8, 21.5)
    assert MqttThermometerDecoder().decode(encode(reading)) == reading
    assert MqttThermometerDecoder().decode(encode(reading, "celsius")) == reading


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # CI is slow, not wrong
@given(st.binary(max_size=300))
def test_any_payload_gives_a_reading_or_a_rejection(payload: bytes) -> None:
    result = MqttThermometerDecoder().decode(payload)
    assert isinstance(result, TemperatureReading | FrameRejected)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # CI is slow, not wrong
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))  # fmt: skip
def test_any_json_document_gives_a_reading_or_a_rejection(document: object) -> None:
    payload = json.dumps({"temperature": document}).encode()
    result = MqttThermometerDecoder().decode(payload)
    assert isinstance(result, TemperatureReading | FrameRejected)
