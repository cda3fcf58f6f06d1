from __future__ import annotations

import pytest

from firmware_interfaces.codecs.errors import CodecOptionError, UnencodableEventError
from firmware_interfaces.codecs.scanner import (
    CR,
    CRLF,
    LF,
    TRIGGER,
    UNTRIGGER,
    ScannerCommand,
    ScannerCommandDecoder,
    ScannerDecoder,
    ScannerEncoder,
    ScannerOptions,
)
from firmware_interfaces.events import CodeScanned, FrameRejected, TemperatureReading
from tests.devices.helpers import assert_split_invariant, codes, reasons

HEALTH_CODE = "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA"


@pytest.mark.parametrize("suffix", [CR, LF, CRLF])
def test_codes_end_at_the_configured_suffix_at_every_split(suffix: bytes) -> None:
    trace = HEALTH_CODE.encode() + suffix + "名字 ✓".encode() + suffix

    def make() -> ScannerDecoder:
        return ScannerDecoder(ScannerOptions(suffix=suffix))

    assert assert_split_invariant(make, trace) == [CodeScanned(HEALTH_CODE), CodeScanned("名字 ✓")]


def test_prefix_and_aim_identifier_are_stripped_and_the_symbology_kept() -> None:
    options = ScannerOptions(suffix=CRLF, prefix=b"S1>", aim=True)
    trace = b"S1>]Q1HELLO\r\nS1>]d2010123\r\n]E04006381333931\r\nplain\r\n"
    events = assert_split_invariant(lambda: ScannerDecoder(options), trace)
    assert events == [
        CodeScanned("HELLO", "Q1"),
        CodeScanned("010123", "d2"),
        CodeScanned("4006381333931", "E0"),
        CodeScanned("plain"),
    ]


def test_without_aim_a_leading_bracket_is_part_of_the_code() -> None:
    assert ScannerDecoder().feed(b"]Q1HELLO\r") == [CodeScanned("]Q1HELLO")]


def test_a_crlf_scanner_works_with_a_cr_or_lf_gateway() -> None:
    trace = b"ONE\r\nTWO\r\n"
    for suffix in (CR, LF):
        options = ScannerOptions(suffix=suffix)
        events = assert_split_invariant(lambda: ScannerDecoder(options), trace)  # noqa: B023
        assert events == [CodeScanned("ONE"), CodeScanned("TWO")]


def test_non_utf8_and_empty_codes_are_explained() -> None:
    decoder = ScannerDecoder(ScannerOptions(aim=True))
    events = decoder.feed(b"\xff\xfeabc\r\r]Q1\rGOOD\r")
    assert events == [
        FrameRejected("unreadable code (not UTF-8)", b"\xff\xfeabc"),
        FrameRejected("empty code", b"]Q1"),
        CodeScanned("GOOD", None),
    ]
    assert decoder.counters == {"unreadable code (not UTF-8)": 1, "empty code": 1}


def test_a_signed_certificate_sized_code_fits() -> None:
    big = ("HC1:" + "A" * 6000).encode()
    # Every cut of 6 KB would be slow (quadratic); pieces of an awkward size cover the same.
    decoder = ScannerDecoder()
    out = []
    for start in range(0, len(big), 61):
        out += decoder.feed(big[start : start + 61])
    out += decoder.feed(CR)
    assert out == [CodeScanned(big.decode())]


@pytest.mark.parametrize("suffix", [CR, CRLF])
def test_an_over_long_code_is_dropped_and_decoding_resumes_at_the_next_suffix(
    suffix: bytes,
) -> None:
    options = ScannerOptions(suffix=suffix, max_code=16)
    trace = b"x" * 17 + suffix + b"y" * 100 + suffix + b"ok" + suffix + b"z" * 16 + suffix
    events = assert_split_invariant(lambda: ScannerDecoder(options), trace)
    assert events == [
        FrameRejected("code too long", b"x" * 17),
        FrameRejected("code too long", b"y" * 17),
        CodeScanned("ok"),
        CodeScanned("z" * 16),
    ]


def test_memory_stays_bounded_under_a_flood_without_suffix() -> None:
    decoder = ScannerDecoder(ScannerOptions(suffix=CRLF, max_code=4096))
    events = []
    for _ in range(200):
        events += decoder.feed(b"\xaa" * 5000 + b"\r")
        assert decoder.buffered <= 4097
    assert reasons(events) == ["code too long"]
    events = decoder.feed(b"\nAFTER\r\n")
    assert codes(events) == [CodeScanned("AFTER")]


def test_idle_is_the_inter_character_timeout() -> None:
    decoder = ScannerDecoder(ScannerOptions(suffix=CRLF))
    assert decoder.feed(b"NO-SUFFIX") == []
    assert decoder.idle() == [CodeScanned("NO-SUFFIX")]
    assert decoder.feed(b"HALF-SUFFIX\r") == []
    assert decoder.idle() == [CodeScanned("HALF-SUFFIX")]
    assert decoder.idle() == []
    # After an over-long code, quiet ends the skipping too.
    small = ScannerDecoder(ScannerOptions(max_code=4))
    assert reasons(small.feed(b"123456")) == ["code too long"]
    assert small.idle() == []
    assert small.feed(b"abc\r") == [CodeScanned("abc")]


def test_encoder_and_trigger_commands() -> None:
    encoder = ScannerEncoder(ScannerOptions(suffix=CRLF, prefix=b"P", aim=True))
    assert encoder.encode(CodeScanned("X", "Q1")) == b"P]Q1X\r\n"
    assert encoder.encode(CodeScanned("X")) == b"P]Q1X\r\n"
    with pytest.raises(UnencodableEventError):
        encoder.encode(CodeScanned("A\r\nB"))
    with pytest.raises(UnencodableEventError):
        encoder.encode(TemperatureReading(36.6))
    assert TRIGGER == b"\x16T\r"
    assert UNTRIGGER == b"\x16U\r"
    commands = ScannerCommandDecoder()
    assert commands.feed(b"x" + TRIGGER + b"\x16Q\r" + UNTRIGGER[:2]) == [ScannerCommand.TRIGGER]
    assert commands.feed(UNTRIGGER[2:]) == [ScannerCommand.UNTRIGGER]


def test_options_from_config() -> None:
    options = ScannerOptions.from_mapping({"suffix": "crlf", "prefix": "S1>", "aim": True})
    assert options == ScannerOptions(suffix=CRLF, prefix=b"S1>", aim=True)
    with pytest.raises(CodecOptionError) as bad:
        ScannerOptions.from_mapping({"suffix": "TAB"})
    assert bad.value.option == "suffix"
    with pytest.raises(CodecOptionError):
        ScannerOptions.from_mapping({"aim": "yes"})
