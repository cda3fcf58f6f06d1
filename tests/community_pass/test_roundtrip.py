"""A pass signed with either algorithm verifies offline and reports what it says."""

from __future__ import annotations

from datetime import timedelta

from edge.crypto.jws import b64url_decode, json_object
from edge.verify.base import CodeStatus, Verifier, VerifierChain
from edge.verify.community_pass import PREFIX, CommunityPassVerifier
from tests.community_pass.conftest import NOW, Signer


def test_pass_round_trips(signer: Signer) -> None:
    text = signer.issue(status="yellow")
    verdict = CommunityPassVerifier(signer.ring()).verify(text, at=NOW)
    assert verdict.valid, verdict
    assert verdict.code_type == "community-pass"
    assert verdict.status is CodeStatus.YELLOW
    assert verdict.reason == "code yellow"
    assert verdict.subject == "res-7f3a"
    assert verdict.issuer == "willow-court"
    assert verdict.expires_at == NOW - timedelta(days=1) + timedelta(days=30)
    assert verdict.failed_step is None
    assert verdict.details["status_source"] == "pass"


def test_text_is_prefix_and_compact_jws_with_the_right_header(signer: Signer) -> None:
    text = signer.issue()
    assert text.startswith(PREFIX)
    header, payload, signature = text.removeprefix(PREFIX).split(".")
    assert json_object(b64url_decode(header, "h"), "h") == {
        "alg": "EdDSA" if signer.alg == "Ed25519" else "ES256",
        "kid": signer.kid,
    }
    body = json_object(b64url_decode(payload, "p"), "p")
    assert body["sub"] == "res-7f3a" and body["st"] == "green" and body["jti"] == "pass-0001"
    # JWS ES256 is raw r||s; Ed25519 is 64 bytes too. DER would be 70-72.
    assert len(b64url_decode(signature, "s")) == 64
    assert len(text) < 300  # small enough for a low-version QR symbol


def test_verdict_for_every_colour(signer: Signer) -> None:
    verifier = CommunityPassVerifier(signer.ring())
    for colour in CodeStatus:
        verdict = verifier.verify(signer.issue(status=colour.value), at=NOW)
        assert verdict.valid and verdict.status is colour and verdict.reason == f"code {colour}"


def test_claims_by_prefix_and_implements_the_protocol(signer: Signer) -> None:
    verifier: Verifier = CommunityPassVerifier(signer.ring())
    assert verifier.code_type == "community-pass"
    assert verifier.claims(signer.issue())
    assert verifier.claims("  CP1:garbage\r\n")
    assert not verifier.claims("HC1:6BF...")
    assert not verifier.claims("")
    chain = VerifierChain([verifier])
    assert chain.verify(signer.issue(), at=NOW).valid
    assert chain.verify("HC1:xyz", at=NOW).code_type == "unknown"


def test_scanner_whitespace_is_tolerated(signer: Signer) -> None:
    verdict = CommunityPassVerifier(signer.ring()).verify(f" {signer.issue()}\r\n", at=NOW)
    assert verdict.valid


def test_naive_time_is_taken_as_utc(signer: Signer) -> None:
    verdict = CommunityPassVerifier(signer.ring()).verify(
        signer.issue(), at=NOW.replace(tzinfo=None)
    )
    assert verdict.valid


def test_pass_ids_are_random_when_not_given(signer: Signer) -> None:
    verifier = CommunityPassVerifier(signer.ring())
    a = signer.issue(pass_id=None)
    b = signer.issue(pass_id=None)
    assert a != b
    assert verifier.verify(a, at=NOW).valid and verifier.verify(b, at=NOW).valid


def test_verifier_counts_outcomes(signer: Signer) -> None:
    verifier = CommunityPassVerifier(signer.ring())
    verifier.verify(signer.issue(), at=NOW)
    verifier.verify("CP1:nonsense", at=NOW)
    assert verifier.counts == {"valid": 1, "format": 1}
