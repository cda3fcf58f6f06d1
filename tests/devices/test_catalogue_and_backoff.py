from __future__ import annotations

import random

import pytest

from firmware_interfaces.codecs.catalogue import PROFILES, DeviceKind, profile
from firmware_interfaces.codecs.errors import CodecOptionError, UnknownProtocolError
from firmware_interfaces.codecs.gy_mcu90614 import CONTINUOUS
from firmware_interfaces.events import CodeScanned, TemperatureReading
from firmware_interfaces.transports.backoff import Backoff


def test_catalogue_names_the_serial_protocols() -> None:
    assert set(PROFILES) == {"ascii-braces", "gy-mcu90614", "scanner"}
    assert profile("ascii-braces").baudrate == 115200
    assert profile("gy-mcu90614").baudrate == 9600
    assert profile("gy-mcu90614").on_open == CONTINUOUS
    assert profile("scanner").kind is DeviceKind.SCANNER
    with pytest.raises(UnknownProtocolError) as unknown:
        profile("modbus")
    assert unknown.value.known == ("ascii-braces", "gy-mcu90614", "scanner")


@pytest.mark.parametrize("protocol", ["ascii-braces", "gy-mcu90614"])
def test_each_thermometer_profile_decodes_what_its_encoder_sends(protocol: str) -> None:
    device = profile(protocol)
    reading = TemperatureReading(36.6, 21.5 if protocol == "gy-mcu90614" else None)
    data = device.build_encoder({}).encode(reading)
    assert device.build_decoder({}).feed(data) == [reading]


def test_scanner_profile_takes_options_from_config() -> None:
    device = profile("scanner")
    options = {"suffix": "LF", "aim": True}
    data = device.build_encoder(options).encode(CodeScanned("HC1:X", "Q1"))
    assert data == b"]Q1HC1:X\n"
    assert device.build_decoder(options).feed(data) == [CodeScanned("HC1:X", "Q1")]
    with pytest.raises(CodecOptionError, match="scanner: option 'sufix'"):
        device.build_decoder({"sufix": "LF"})


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    backoff = Backoff(0.5, 4.0, random.Random(1))
    delays = [backoff.next_delay() for _ in range(100)]
    ceilings = [0.5, 1.0, 2.0, 4.0] + [4.0] * 96
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not in step
    backoff.reset()
    assert backoff.next_delay() <= 0.5
    with pytest.raises(ValueError, match="backoff"):
        Backoff(0, 1)
