"""Each way a pass can fail gives valid=False, the step that failed, and plain words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.crypto.jws import b64url_encode, compact_json
from edge.verify.base import Verdict
from edge.verify.community_pass import CommunityPassVerifier, KeyRing
from tests.community_pass.conftest import NOW, Signer


def forge(header: dict[str, Any], payload: dict[str, Any] | bytes, signer: Signer) -> str:
    """A pass with any header and payload, signed by ``signer``'s key (raw JWS form)."""
    body = payload if isinstance(payload, bytes) else compact_json(payload)
    signing_input = f"{b64url_encode(compact_json(header))}.{b64url_encode(body)}"
    if isinstance(signer.key, Ed25519PrivateKey):
        signature = signer.key.sign(signing_input.encode())
    else:
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        r, s = decode_dss_signature(
            signer.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        )
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"CP1:{signing_input}.{b64url_encode(signature)}"


def good_payload() -> dict[str, Any]:
    return {
        "jti": "p1",
        "sub": "res-1",
        "st": "green",
        "iat": int(NOW.timestamp()) - 60,
        "exp": int(NOW.timestamp()) + 3600,
        "iss": "willow-court",
    }


def jws_alg(signer: Signer) -> str:
    return "EdDSA" if signer.alg == "Ed25519" else "ES256"


def check(verdict: Verdict, step: str, reason: str) -> None:
    assert not verdict.valid, verdict
    assert verdict.status is None
    assert verdict.code_type == "community-pass"
    assert (verdict.failed_step, verdict.reason) == (step, reason), verdict


def test_forge_helper_makes_valid_passes(signer: Signer) -> None:
    text = forge({"alg": jws_alg(signer), "kid": signer.kid}, good_payload(), signer)
    assert CommunityPassVerifier(signer.ring()).verify(text, at=NOW).valid


def test_unknown_kid(signer: Signer) -> None:
    verdict = CommunityPassVerifier(signer.ring()).verify(signer.issue(kid="other"), at=NOW)
    check(verdict, "issuer", "unknown issuer key")
    assert verdict.subject is None  # nothing from an unverified pass is reported


def test_signed_by_another_key_with_the_same_kid(signer: Signer, signer_factory: Any) -> None:
    impostor = signer_factory(signer.alg, signer.kid)
    verdict = CommunityPassVerifier(signer.ring()).verify(impostor.issue(), at=NOW)
    check(verdict, "signature", "signature invalid")
    assert verdict.subject is None


def test_tampered_payload(signer: Signer) -> None:
    header, _, signature = signer.issue().split(".")
    payload = b64url_encode(compact_json({**good_payload(), "st": "green", "sub": "someone"}))
    verdict = CommunityPassVerifier(signer.ring()).verify(f"{header}.{payload}.{signature}", at=NOW)
    check(verdict, "signature", "signature invalid")


@pytest.mark.parametrize("cut", [1, 10, 40])
def test_truncated_signature(signer: Signer, cut: int) -> None:
    verdict = CommunityPassVerifier(signer.ring()).verify(signer.issue()[:-cut], at=NOW)
    assert not verdict.valid
    assert verdict.failed_step in ("signature", "format")


def test_der_signature_is_not_accepted_for_es256(es256: Signer) -> None:
    header = b64url_encode(compact_json({"alg": "ES256", "kid": es256.kid}))
    body = b64url_encode(compact_json(good_payload()))
    assert isinstance(es256.key, ec.EllipticCurvePrivateKey)
    der = es256.key.sign(f"{header}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    verdict = CommunityPassVerifier(es256.ring()).verify(
        f"CP1:{header}.{body}.{b64url_encode(der)}", at=NOW
    )
    check(verdict, "signature", "signature invalid")


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", "", "eddsa"])
def test_algorithms_other_than_es256_and_eddsa_are_refused(signer: Signer, alg: str) -> None:
    text = forge({"alg": alg, "kid": signer.kid}, good_payload(), signer)
    check(
        CommunityPassVerifier(signer.ring()).verify(text, at=NOW), "algorithm", "signature invalid"
    )


def test_alg_none_with_empty_signature(signer: Signer) -> None:
    header = b64url_encode(compact_json({"alg": "none", "kid": signer.kid}))
    body = b64url_encode(compact_json(good_payload()))
    verdict = CommunityPassVerifier(signer.ring()).verify(f"CP1:{header}.{body}.", at=NOW)
    check(verdict, "algorithm", "signature invalid")


def test_header_alg_must_match_the_key_of_the_kid(ed25519: Signer, es256: Signer) -> None:
    """An EdDSA key's kid with alg ES256 (or the reverse) is refused before any signature check."""
    verifier = CommunityPassVerifier(KeyRing({**_keys(ed25519.ring()), **_keys(es256.ring())}))
    lying = forge({"alg": "ES256", "kid": ed25519.kid}, good_payload(), ed25519)
    check(verifier.verify(lying, at=NOW), "algorithm", "signature invalid")
    lying = forge({"alg": "EdDSA", "kid": es256.kid}, good_payload(), es256)
    check(verifier.verify(lying, at=NOW), "algorithm", "signature invalid")


def _keys(ring: KeyRing) -> dict[str, Any]:
    out = {}
    for kid in ring:
        found = ring.lookup(kid)
        assert found is not None
        out[kid] = found[0]
    return out


def test_expired(signer: Signer) -> None:
    text = signer.issue(issued_at=NOW - timedelta(days=31), valid_for=timedelta(days=30))
    verdict = CommunityPassVerifier(signer.ring()).verify(text, at=NOW)
    check(verdict, "expiry", "code expired")
    # the pass is authentic, so whose it is and when it ran out are reported
    assert verdict.subject == "res-7f3a"
    assert verdict.expires_at == NOW - timedelta(days=1)


def test_expiry_is_strict_even_with_clock_skew(signer: Signer) -> None:
    text = signer.issue(issued_at=NOW - timedelta(days=1), valid_for=timedelta(days=1))
    verdict = CommunityPassVerifier(signer.ring(), clock_skew_s=600).verify(text, at=NOW)
    check(verdict, "expiry", "code expired")
    assert CommunityPassVerifier(signer.ring()).verify(text, at=NOW - timedelta(seconds=1)).valid


def test_issued_in_the_future(signer: Signer) -> None:
    text = signer.issue(issued_at=NOW + timedelta(minutes=10))
    verdict = CommunityPassVerifier(signer.ring(), clock_skew_s=120).verify(text, at=NOW)
    check(verdict, "not-yet-valid", "code not yet valid: check the checkpoint clock")


def test_issued_slightly_in_the_future_is_within_the_skew(signer: Signer) -> None:
    text = signer.issue(issued_at=NOW + timedelta(seconds=90))
    assert CommunityPassVerifier(signer.ring(), clock_skew_s=120).verify(text, at=NOW).valid
    verdict = CommunityPassVerifier(signer.ring(), clock_skew_s=0).verify(text, at=NOW)
    assert verdict.failed_step == "not-yet-valid"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CP1:",
        "CP1:abc",
        "CP1:a.b",
        "CP1:a.b.c.d",
        "CP1:!!!.###.$$$",
        "CP1:" + "A" * 5000,
        "CP1:e30.e30.",  # {} header
        "CP1:W10.W10.AAAA",  # [] header
        "CP1:eyJhbGciOiJFZERTQSJ9.e30.AAAA",  # no kid
        "CP1:eyJhbGciOiJFZERTQSIsImtpZCI6Iit9.e30.AAAA",  # broken JSON
        "CP1:/w.e30.AAAA",  # not UTF-8
        "CP1:e30=.e30.AAAA",  # padding is not base64url
        "CP1:A.e30.AAAA",  # impossible base64 length
        "CP1:\x00\x01.\x02.\x03",
        "CP1:𝄞.𝄞.𝄞",
        "cp1:lowercase.prefix.x",
    ],
)
def test_malformed_texts_are_unreadable(signer: Signer, text: str) -> None:
    check(
        CommunityPassVerifier(signer.ring()).verify(text, at=NOW),
        "format",
        "unreadable code: scan again",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"st": "blue"},
        {"st": None},
        {"sub": ""},
        {"sub": 12},
        {"jti": "has space"},
        {"exp": "tomorrow"},
        {"exp": True},
        {"iat": -5},
        {"exp": 10**30},
        {"iss": None},
    ],
)
def test_signed_but_malformed_payload_is_unreadable(signer: Signer, change: dict[str, Any]) -> None:
    text = forge({"alg": jws_alg(signer), "kid": signer.kid}, {**good_payload(), **change}, signer)
    check(
        CommunityPassVerifier(signer.ring()).verify(text, at=NOW),
        "format",
        "unreadable code: scan again",
    )


@pytest.mark.parametrize("payload", [b"", b"[]", b"null", b"\xff\xfe", b"[" * 3000])
def test_signed_but_non_object_payload_is_unreadable(signer: Signer, payload: bytes) -> None:
    text = forge({"alg": jws_alg(signer), "kid": signer.kid}, payload, signer)
    verdict = CommunityPassVerifier(signer.ring()).verify(text, at=NOW)
    assert not verdict.valid and verdict.failed_step == "format"


def test_critical_header_extensions_are_refused(signer: Signer) -> None:
    text = forge(
        {"alg": jws_alg(signer), "kid": signer.kid, "crit": ["exp"]}, good_payload(), signer
    )
    check(
        CommunityPassVerifier(signer.ring()).verify(text, at=NOW),
        "format",
        "unreadable code: scan again",
    )
