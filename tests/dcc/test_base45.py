"""Base45 against RFC 9285's examples, its failure cases, and a round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.verify.dcc.base45 import b45decode, b45encode
from edge.verify.dcc.errors import DecodeError

RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


@pytest.mark.parametrize(("raw", "text"), RFC_EXAMPLES)
def test_rfc_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # 65535 + 1: a group that does not fit two bytes
        "ZZZ",
        ":::",
        "GGW0",  # and a lone trailing character
        "A",
        "ABCD",
        "BB8a",  # lower case is not Base45
        "BB\u00e9",
        "::",  # a final pair over 255
    ],
)
def test_rejects(text: str) -> None:
    with pytest.raises(DecodeError) as err:
        b45decode(text)
    assert err.value.step == "base45"


@given(st.binary(max_size=200))
def test_round_trip(raw: bytes) -> None:
    assert b45decode(b45encode(raw)) == raw


@given(st.text(max_size=60))
def test_any_text_decodes_or_raises_decode_error(text: str) -> None:
    try:
        b45decode(text)
    except DecodeError as exc:
        assert exc.step == "base45"
