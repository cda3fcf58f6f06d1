"""Whatever arrives at whichever stage, the verifier answers with a verdict and never raises.

Each test feeds one stage of the chain (text, Base45 content, zlib content, COSE, CWT claims,
the hcert payload, the signer's certificate) and asserts a Verdict whose failed_step is a real
step, never "internal" (the catch-all that would hide a bug).
"""

from __future__ import annotations

import contextlib
import zlib
from datetime import timedelta
from typing import Any

import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.verify.base import Verdict
from edge.verify.dcc import issue
from edge.verify.dcc.base45 import b45encode
from edge.verify.dcc.chain import ALG_ES256, HEADER_ALG, HEADER_KID
from edge.verify.dcc.errors import TrustListError
from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.verifier import DccVerifier
from tests.dcc.conftest import NOW, make_signer

SIGNER = make_signer("ES256")
VERIFIER = DccVerifier(TrustList(dscs=[SIGNER.dsc()]), max_inflated_bytes=16 * 1024)
STEPS = {
    "prefix",
    "base45",
    "zlib",
    "cose",
    "cbor",
    "trust",
    "signature",
    "schema",
    "key-usage",
    "expiry",
}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

cbor_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=20)
)
cbor_value = st.recursive(
    cbor_leaf,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.integers(-300, 10) | st.text(max_size=4), inner, max_size=4)
        | st.builds(
            cbor2.CBORTag,
            st.sampled_from([0, 1, 2, 4, 5, 18, 28, 29, 30, 35, 61, 258, 1004, 99999]),
            inner,
        )
    ),
    max_leaves=25,
)


def check(text: str) -> Verdict:
    verdict = VERIFIER.verify(text, at=NOW)
    assert isinstance(verdict, Verdict)
    assert verdict.valid or verdict.failed_step in STEPS, verdict
    return verdict


def cose(body: Any) -> str:
    return issue.wrap(cbor2.dumps(body))


@FUZZ
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    check(text)
    check("HC1:" + text)


@FUZZ
@given(st.binary(max_size=600))
def test_any_base45_content(raw: bytes) -> None:
    check("HC1:" + b45encode(raw))
    check("HC1:" + b45encode(raw)[:-1])  # truncated


@FUZZ
@given(st.binary(max_size=600))
def test_any_zlib_content(raw: bytes) -> None:
    check(issue.wrap(raw))
    compressed = zlib.compress(raw)
    check("HC1:" + b45encode(compressed[: len(compressed) // 2]))


@FUZZ
@given(cbor_value)
def test_any_cbor_as_cose(value: Any) -> None:
    try:
        encoded = cbor2.dumps(value)
    except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError):
        return
    check(issue.wrap(encoded))
    check(cose(cbor2.CBORTag(18, value)))


@FUZZ
@given(cbor_value, cbor_value, cbor_value)
def test_any_headers_and_claims(protected: Any, unprotected: Any, claims: Any) -> None:
    try:
        check(
            cose(
                cbor2.CBORTag(
                    18, [cbor2.dumps(protected), unprotected, cbor2.dumps(claims), b"\0" * 64]
                )
            )
        )
    except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError):
        return


@FUZZ
@given(cbor_value, st.sampled_from([1, 4, 6, -260]))
def test_wrong_type_in_each_signed_claim(value: Any, claim: int) -> None:
    """Correctly signed, so the bad value reaches every step after the signature."""
    claims: dict[int, Any] = {
        1: "XX",
        4: int((NOW + timedelta(days=1)).timestamp()),
        6: int(NOW.timestamp()),
        -260: {1: issue.sample_dcc("v", when=NOW)},
    }
    claims[claim] = value
    try:
        payload = cbor2.dumps(claims)
    except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError):
        return
    check(
        issue.encode_cose({HEADER_ALG: ALG_ES256, HEADER_KID: SIGNER.kid}, {}, payload, SIGNER.key)
    )


@FUZZ
@given(
    st.sampled_from(
        ["ver", "nam", "dob", "v", "t", "r", "fn", "dn", "sd", "dt", "ci", "tr", "sc", "fr"]
    ),
    cbor_value,
    st.sampled_from("vtr"),
)
def test_wrong_type_in_each_payload_field(field: str, value: Any, kind: str) -> None:
    dcc = issue.sample_dcc(kind, when=NOW)
    target = dcc[kind][0] if field not in dcc and field not in ("v", "t", "r") else dcc
    if field == "fn":
        target = dcc["nam"]
    target[field] = value
    try:
        text = SIGNER.code(dcc=dcc)
    except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError):
        return
    check(text)


def test_deep_nesting_and_huge_lengths() -> None:
    for depth in (17, 1000, 100_000):
        check(issue.wrap(b"\x81" * depth + b"\x00"))
        check(issue.wrap(b"\xd2" * depth + b"\x00"))  # tags in tags
        inner = b"\xa1\x01" * depth + b"\x00"
        check(cose(cbor2.CBORTag(18, [b"\xa0", {}, inner, b""])))
    for header in (b"\x5b", b"\x7b", b"\x9b", b"\xbb"):
        check(issue.wrap(header + b"\xff" * 8))
        check(cose(cbor2.CBORTag(18, [b"\xa0", {}, header + b"\x7f" * 8, b""])))


def test_indefinite_and_odd_items() -> None:
    for raw in (
        b"\x9f" * 50 + b"\xff" * 50,
        b"\x5f\x41\x00\xff",
        b"\xf8\x00",
        b"\xc1\xfb\x7f\xf0\x00\x00\x00\x00\x00\x00",
        b"\xd9\xd9\xf7\x00",
    ):
        check(issue.wrap(raw))


@FUZZ
@given(st.binary(max_size=400))
def test_certificate_that_does_not_parse(raw: bytes) -> None:
    with contextlib.suppress(TrustListError):  # the one error allowed
        Dsc.from_der(raw)


def test_shared_references_cannot_build_a_cycle() -> None:
    # {-260: {1: shareable({"v": sharedref(0)})}}: a payload that contains itself
    payload = (
        b"\xa1"
        + cbor2.dumps(-260)
        + b"\xa1\x01"
        + b"\xd8\x1c\xa1"
        + cbor2.dumps("v")
        + b"\xd8\x1d\x00"
    )
    text = issue.encode_cose(
        {HEADER_ALG: ALG_ES256, HEADER_KID: SIGNER.kid}, {}, payload, SIGNER.key
    )
    assert check(text).failed_step == "cbor"
    assert check(issue.wrap(b"\xd8\x1c\x81\xd8\x1d\x00")).failed_step == "cose"
