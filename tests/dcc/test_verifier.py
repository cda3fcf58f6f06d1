"""The verifier on codes we sign ourselves: every outcome, every COSE form, both algorithms."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import timedelta

import cbor2
import pytest

from edge.verify.base import CodeStatus, Verifier, VerifierChain
from edge.verify.dcc import issue
from edge.verify.dcc.chain import ALG_ES256, HEADER_ALG, HEADER_KID
from edge.verify.dcc.rules import DccRules
from edge.verify.dcc.trust import TrustList
from edge.verify.dcc.verifier import DAMAGED, DccVerifier
from tests.dcc.conftest import NOW, Signer, make_signer

Build = Callable[..., DccVerifier]


def test_implements_the_verifier_protocol(es256: Signer, verifier_for: Build) -> None:
    verifier: Verifier = verifier_for(es256)
    assert verifier.code_type == "eu-dcc"
    assert verifier.claims("HC1:ABC") and not verifier.claims("CP1:x")
    chain = VerifierChain([verifier])
    assert chain.verify(es256.code(), at=NOW).valid


@pytest.mark.parametrize("form", ["tag18", "untagged", "cwt61"])
@pytest.mark.parametrize("signer_name", ["es256", "ps256"])
def test_valid_code(
    form: issue.Form, signer_name: str, request: pytest.FixtureRequest, verifier_for: Build
) -> None:
    signer: Signer = request.getfixturevalue(signer_name)
    verdict = verifier_for(signer).verify(signer.code(form=form), at=NOW)
    assert verdict.valid, verdict
    assert verdict.status is CodeStatus.GREEN
    assert verdict.subject == "URN:UVCI:01:XX:TEST0001"
    assert verdict.issuer == "XX"
    assert verdict.details["type"] == "vaccination"
    assert verdict.expires_at == (NOW + timedelta(days=30)).replace(microsecond=0)


def test_details_hold_nothing_personal(es256: Signer, verifier_for: Build) -> None:
    verdict = verifier_for(es256).verify(es256.code(), at=NOW)
    text = repr(verdict.details) + str(verdict.issuer) + verdict.reason
    for personal in ("Muster", "MUSTER", "Erika", "1964", "TEST0001"):
        assert personal not in text


def test_kid_only_in_unprotected_header(es256: Signer, verifier_for: Build) -> None:
    verdict = verifier_for(es256).verify(es256.code(kid_in_protected=False), at=NOW)
    assert verdict.valid


def test_every_certificate_with_the_kid_is_tried(es256: Signer, verifier_for: Build) -> None:
    impostor = make_signer("ES256")
    clash = impostor.dsc()
    trust = TrustList(dscs=[type(clash)(**{**_fields(clash), "kid": es256.kid}), es256.dsc()])
    assert len(trust.lookup(es256.kid)) == 2
    assert DccVerifier(trust).verify(es256.code(), at=NOW).valid


def _fields(dsc: object) -> dict[str, object]:
    return {name: getattr(dsc, name) for name in dsc.__slots__}  # type: ignore[attr-defined]


def test_unknown_kid(es256: Signer, ps256: Signer, verifier_for: Build) -> None:
    verdict = verifier_for(ps256).verify(es256.code(), at=NOW)
    assert (verdict.valid, verdict.failed_step) == (False, "trust")


def test_signature_by_another_key_under_a_trusted_kid(es256: Signer, verifier_for: Build) -> None:
    forger = make_signer("ES256")
    verdict = verifier_for(es256).verify(forger.code(kid=es256.kid), at=NOW)
    assert (verdict.failed_step, verdict.reason) == ("signature", "signature invalid")


def test_tampered_payload(es256: Signer, verifier_for: Build) -> None:
    cose = zlib.decompress(issue_b45(es256.code()))
    tag = cbor2.loads(cose)
    protected, unprotected, payload, signature = tag.value
    claims = cbor2.loads(payload)
    claims[4] += 86400 * 365
    text = issue.wrap(
        cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(claims), signature]))
    )
    assert verifier_for(es256).verify(text, at=NOW).failed_step == "signature"


def issue_b45(text: str) -> bytes:
    from edge.verify.dcc.base45 import b45decode

    return b45decode(text.removeprefix("HC1:"))


def test_algorithm_of_the_other_key_type(es256: Signer, ps256: Signer, verifier_for: Build) -> None:
    # An ES256 header over an RSA key's signature: never accepted.
    text = issue.encode_cose(
        {HEADER_ALG: ALG_ES256, HEADER_KID: ps256.kid}, {}, cbor2.dumps({1: "XX"}), ps256.key
    )
    assert verifier_for(ps256).verify(text, at=NOW).failed_step in {"cbor", "signature"}


def test_cwt_expired_and_not_yet_valid(es256: Signer, verifier_for: Build) -> None:
    verifier = verifier_for(es256)
    expired = verifier.verify(es256.code(expires_at=NOW - timedelta(seconds=1)), at=NOW)
    assert (expired.failed_step, expired.reason) == ("expiry", "certificate expired")
    future = verifier.verify(es256.code(issued_at=NOW + timedelta(hours=1)), at=NOW)
    assert (future.failed_step, future.reason) == ("expiry", "certificate not valid yet")


def test_signer_certificate_expired(verifier_for: Build) -> None:
    old = make_signer("ES256", not_after=NOW - timedelta(days=1))
    verdict = verifier_for(old).verify(old.code(), at=NOW)
    assert verdict.failed_step == "expiry"
    assert "signer" in verdict.reason


@pytest.mark.parametrize("legacy", [False, True])
def test_key_usage(legacy: bool, verifier_for: Build) -> None:
    vaccination_only = make_signer("ES256", types="v", legacy_oids=legacy)
    verifier = verifier_for(vaccination_only)
    assert verifier.verify(vaccination_only.code("v"), at=NOW).valid
    verdict = verifier.verify(vaccination_only.code("t"), at=NOW)
    assert (verdict.failed_step, verdict.valid) == ("key-usage", False)


def test_no_key_usage_signs_every_type(es256: Signer, verifier_for: Build) -> None:
    verifier = verifier_for(es256)
    assert all(verifier.verify(es256.code(kind), at=NOW).valid for kind in "vtr")


def test_schema_failure(es256: Signer, verifier_for: Build) -> None:
    dcc = issue.sample_dcc("v", when=NOW)
    dcc["dob"] = "not a date"
    verdict = verifier_for(es256).verify(es256.code(dcc=dcc), at=NOW)
    assert verdict.failed_step == "schema"
    assert "not a date" not in repr(verdict)


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("NOPE", "prefix"),
        ("HC1:abc", "base45"),
        ("HC1:" + "0" * 30, "zlib"),
        (issue.PREFIX + issue.b45encode(zlib.compress(b"\xff")), "cose"),
        (issue.wrap(cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"\xa0", b""]))), "cbor"),
    ],
)
def test_damaged_codes(text: str, step: str, es256: Signer, verifier_for: Build) -> None:
    verdict = verifier_for(es256).verify(text, at=NOW)
    assert (verdict.valid, verdict.failed_step, verdict.reason) == (False, step, DAMAGED)


def test_zlib_bomb_is_refused_without_inflating(es256: Signer, verifier_for: Build) -> None:
    bomb = issue.PREFIX + issue.b45encode(zlib.compress(b"\0" * 50_000_000, 9))
    assert len(bomb) < 100_000
    verdict = verifier_for(es256, max_inflated_bytes=4096).verify(bomb, at=NOW)
    assert verdict.failed_step == "zlib"


@pytest.mark.parametrize(
    ("kind", "shift", "rules", "status", "rule"),
    [
        ("v", timedelta(0), DccRules(), CodeStatus.GREEN, "vaccination-complete"),
        ("r", timedelta(days=10), DccRules(), CodeStatus.GREEN, "recovery"),
        ("r", timedelta(days=181), DccRules(), CodeStatus.RED, "recovery-old"),
        ("t", timedelta(hours=10), DccRules(), CodeStatus.GREEN, "test-negative"),
        ("t", timedelta(hours=72), DccRules(), CodeStatus.RED, "test-old"),
        (
            "t",
            timedelta(hours=10),
            DccRules(test_hours=5, test_old=CodeStatus.YELLOW),
            CodeStatus.YELLOW,
            "test-old",
        ),
        (
            "v",
            timedelta(days=400),
            DccRules(vaccination_days=365),
            CodeStatus.RED,
            "vaccination-old",
        ),
    ],
)
def test_rules(
    kind: str,
    shift: timedelta,
    rules: DccRules,
    status: CodeStatus,
    rule: str,
    es256: Signer,
    verifier_for: Build,
) -> None:
    issued = NOW - shift
    text = es256.code(kind, at=issued, expires_at=NOW + timedelta(days=1))
    verdict = verifier_for(es256, rules=rules).verify(text, at=NOW)
    assert verdict.valid, verdict
    assert (verdict.status, verdict.details["rule"]) == (status, rule)


def test_partial_vaccination_and_positive_test(es256: Signer, verifier_for: Build) -> None:
    verifier = verifier_for(es256)
    partial = issue.sample_dcc("v", when=NOW)
    partial["v"][0]["dn"] = 1
    assert verifier.verify(es256.code(dcc=partial), at=NOW).status is CodeStatus.YELLOW
    positive = issue.sample_dcc("t", when=NOW)
    positive["t"][0]["tr"] = "260373001"
    assert verifier.verify(es256.code(dcc=positive), at=NOW).status is CodeStatus.RED


def test_counts(es256: Signer, verifier_for: Build) -> None:
    verifier = verifier_for(es256)
    verifier.verify(es256.code(), at=NOW)
    verifier.verify("HC1:!", at=NOW)
    assert verifier.counts == {"valid": 1, "base45": 1}
