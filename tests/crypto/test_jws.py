"""The one JWS module: strict base64url, crit honoured, no algorithm confusion, both curves."""

from __future__ import annotations

import contextlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from cloud_sync.policy_signing import PolicySignatureError, sign_policy, verify_policy
from edge.crypto import ecdsa, jws

KEYS = {"EdDSA": Ed25519PrivateKey.generate(), "ES256": ec.generate_private_key(ec.SECP256R1())}


@pytest.mark.parametrize("alg", sorted(KEYS))
def test_sign_and_verify_round_trip(alg: str) -> None:
    key = KEYS[alg]
    text = jws.sign_compact(key, kid="k1", payload=b'{"x":1}', header={"typ": "test"})
    parsed = jws.parse_compact(text)
    assert (parsed.alg, parsed.kid, parsed.payload, parsed.header["typ"]) == (
        alg, "k1", b'{"x":1}', "test",
    )  # fmt: skip
    assert jws.signature_ok(key.public_key(), parsed)
    tampered = jws.parse_compact(text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB"))
    assert not jws.signature_ok(key.public_key(), tampered)


def test_a_header_cannot_choose_another_algorithm() -> None:
    text = jws.sign_compact(KEYS["ES256"], kid="k", payload=b"{}")
    _header, payload, signature = text.split(".")
    forged = jws.b64url_encode(b'{"alg":"EdDSA","kid":"k"}')
    parsed = jws.parse_compact(f"{forged}.{payload}.{signature}")
    assert not jws.signature_ok(KEYS["ES256"].public_key(), parsed)
    assert not jws.signature_ok(KEYS["EdDSA"].public_key(), jws.parse_compact(text))


@pytest.mark.parametrize("bad", ["abc=", "ab+c", "ab/c", "a", "ab c", "ab\ncd", "ab.c"])
def test_base64url_is_strict(bad: str) -> None:
    with pytest.raises(jws.JwsError, match="base64url"):
        jws.b64url_decode(bad, "payload")


def test_parts_are_bounded() -> None:
    with pytest.raises(jws.JwsError, match="longer than"):
        jws.b64url_decode("A" * 5000, "payload")
    assert len(jws.b64url_decode("A" * 5000, "payload", max_chars=8000)) == 3750


def _with_header(header: bytes) -> str:
    return f"{jws.b64url_encode(header)}.{jws.b64url_encode(b'{}')}.{jws.b64url_encode(b'x')}"


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (b'{"alg":"EdDSA","kid":"k","crit":["exp"],"exp":1}', "not understood"),
        (b'{"alg":"EdDSA","kid":"k","crit":["exp"]}', "lacks"),
        (b'{"alg":"EdDSA","kid":"k","crit":["alg"]}', "registered"),
        (b'{"alg":"EdDSA","kid":"k","crit":[]}', "non-empty"),
        (b'{"alg":"EdDSA","kid":"k","crit":"exp"}', "non-empty"),
    ],
)
def test_crit_is_honoured(header: bytes, why: str) -> None:
    with pytest.raises(jws.JwsError, match=why):
        jws.parse_compact(_with_header(header))


def test_a_critical_extension_the_caller_understands_is_accepted() -> None:
    text = _with_header(b'{"alg":"EdDSA","kid":"k","crit":["ver"],"ver":3}')
    assert jws.parse_compact(text, understood_crit={"ver"}).header["ver"] == 3


@pytest.mark.parametrize(
    "text", ["", "a.b", "a.b.c.d", _with_header(b"[]"), _with_header(b'{"alg":"EdDSA"}')]
)
def test_malformed_texts_say_where(text: str) -> None:
    with pytest.raises(jws.JwsError):
        jws.parse_compact(text)


@given(st.text(max_size=300))
def test_any_text_parses_or_raises_jws_error(text: str) -> None:
    with contextlib.suppress(jws.JwsError):
        jws.parse_compact(text)


def test_ecdsa_raw_and_der() -> None:
    key = KEYS["ES256"]
    raw = ecdsa.sign_p256(key, b"data")
    assert len(raw) == 64
    assert ecdsa.verify_p256(key.public_key(), raw, b"data")
    assert not ecdsa.verify_p256(key.public_key(), raw, b"other")
    assert not ecdsa.verify_p256(key.public_key(), raw[:-1], b"data")
    assert ecdsa.raw_to_der(raw[:10]) is None
    der = ecdsa.raw_to_der(raw)
    assert der is not None and ecdsa.der_to_raw(der) == raw


def test_policies_are_checked_by_the_same_strict_rules() -> None:
    from cryptography.hazmat.primitives import serialization

    pem = KEYS["EdDSA"].private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    message = sign_policy({"fever_threshold_c": 37.5}, pem, "centre-1", gateway="gw1")
    public = KEYS["EdDSA"].public_key()
    assert verify_policy(message, public).policy == {"fever_threshold_c": 37.5}
    header, payload, signature = message.decode().split(".")
    with pytest.raises(PolicySignatureError, match="base64url"):  # once decoded leniently
        verify_policy(f"{header}.{payload}=.{signature}".encode(), public)
    crit = jws.b64url_encode(b'{"alg":"EdDSA","kid":"c","typ":"ccg-policy+jws","crit":["x"],"x":1}')
    with pytest.raises(PolicySignatureError, match="not understood"):
        verify_policy(f"{crit}.{payload}.{signature}".encode(), public)
