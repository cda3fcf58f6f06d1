"""Whatever is scanned, the verifier answers with a verdict and never raises.

The verifier has a last-resort ``except`` for its own bugs (failed_step "internal"); these tests
assert it is never reached, so a bug still shows up here rather than hiding behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.verify.base import Verdict
from edge.verify.community_pass import CommunityPassVerifier, KeyRing, StatusList
from edge.verify.community_pass.keys import public_key_from_pem
from tests.community_pass.conftest import _SIGNERS, Signer
from tests.community_pass.test_failures import forge

VERIFIER = CommunityPassVerifier(
    KeyRing({s.kid: public_key_from_pem(s.public_pem) for s in _SIGNERS.values()}), StatusList()
)
VERIFIER.status_list.replace({"pass-0001": "revoked"})
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

times = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def assert_answered(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert verdict.code_type == "community-pass"
    assert verdict.failed_step != "internal"
    assert verdict.valid == (verdict.failed_step is None)
    assert verdict.reason


@FUZZ
@given(text=st.text(max_size=600), at=times)
def test_any_text(text: str, at: datetime) -> None:
    assert_answered(VERIFIER.verify(text, at=at))
    assert_answered(VERIFIER.verify("CP1:" + text, at=at))


@FUZZ
@given(
    parts=st.lists(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=."),
        min_size=1,
        max_size=5,
    ),
    at=times,
)
def test_base64url_looking_parts(parts: list[str], at: datetime) -> None:
    assert_answered(VERIFIER.verify("CP1:" + ".".join(parts), at=at))


@FUZZ
@given(data=st.data(), alg=st.sampled_from(sorted(_SIGNERS)), at=times)
def test_mutated_valid_passes(data: st.DataObject, alg: str, at: datetime) -> None:
    text = _SIGNERS[alg].issue()
    index = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.text(max_size=3))
    mutated = text[:index] + replacement + text[index + 1 :]
    # Some mutations still verify (trailing whitespace; the spare low bits of the last
    # base64url character): only the answer itself is asserted.
    assert_answered(VERIFIER.verify(mutated, at=at))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
claim_values = st.one_of(
    json_values, st.sampled_from(["green", "yellow", "red", "res-1"]), st.integers(-(2**70), 2**70)
)


@FUZZ
@given(
    payload=st.dictionaries(
        st.sampled_from(["jti", "sub", "st", "iat", "exp", "iss", "x"]), claim_values, max_size=7
    ),
    header_extra=st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    alg=st.sampled_from(sorted(_SIGNERS)),
    at=times,
)
def test_authentic_signatures_over_any_claims(
    payload: dict[str, Any], header_extra: dict[str, Any], alg: str, at: datetime
) -> None:
    """The hardest case: a real key signed garbage. The verifier must still only answer."""
    signer: Signer = _SIGNERS[alg]
    header = {**header_extra, "alg": "EdDSA" if alg == "Ed25519" else "ES256", "kid": signer.kid}
    assert_answered(VERIFIER.verify(forge(header, payload, signer), at=at))
