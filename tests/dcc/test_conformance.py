"""Every case of the EU DCC test data, every EXPECTED* flag it sets, at its VALIDATIONCLOCK.

A flag listed in ``known_wrong_cases.csv`` must come out the other way (the data is wrong there,
for the reason given); a listed flag that agrees fails the test, so the list stays honest.
Besides the single steps, the whole verifier runs on each case's ``HC1:`` text with the case's
certificate as the only trust-list entry and the shared value sets in force, and must say valid
exactly when the steps say so. EXPECTEDSCHEMAVALIDATION covers the value sets (see cases.py), so
the verifier may report it failing at ``schema`` or at ``value-set``; the cases whose flag says
valid yet whose codes are placeholders or misspelt are listed, each with the code at fault.
The data lives in ../shared (or $EDGE_SHARED_DIR); without it these tests skip, saying so,
except under CI=true, where they fail.

Of the dataset's own known_issues.csv, the entries this verifier disagrees with are listed
(NL schema #107, FR test_pcr_ok #141, ES 401-403 #228, BG 1-2 #298, HU 3 #340, RO 2 #356,
SK 3 #357). Two are not, because the flags come out as the data says: FI (#407: verification,
expiration and key usage all agree at the cases' clocks) and LI 4 (#339: its payload is valid
against schema 1.3.3).
"""

from __future__ import annotations

import base64
from collections import Counter
from pathlib import Path

import pytest

from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.verifier import DccVerifier
from tests.ci import IN_CI
from tests.dcc import conftest
from tests.dcc.cases import (
    CHECKS,
    SKIPPED_FLAGS,
    TESTDATA,
    Case,
    case_files,
    case_id,
    load_case,
    load_known_wrong,
    outcome,
    schema,
    value_sets,
)

FILES = case_files()
KNOWN_WRONG = load_known_wrong()

#: flags whose failure the whole verifier must report, and the failed_step it may report
CHAIN_STEPS = {
    "EXPECTEDUNPREFIX": {"prefix"},
    "EXPECTEDB45DECODE": {"base45"},
    "EXPECTEDCOMPRESSION": {"zlib"},
    "EXPECTEDVALIDOBJECT": {"cose", "cbor"},
    "EXPECTEDVERIFY": {"trust", "signature"},
    "EXPECTEDSCHEMAVALIDATION": {"schema", "value-set"},
    "EXPECTEDKEYUSAGE": {"key-usage"},
    "EXPECTEDEXPIRATIONCHECK": {"expiry"},
}

#: the flags that together say a code is valid (key usage is often untested: no OID = any type)
COMPLETE = {"EXPECTEDVERIFY", "EXPECTEDSCHEMAVALIDATION", "EXPECTEDEXPIRATIONCHECK"}

pytestmark = pytest.mark.skipif(
    not FILES and not IN_CI, reason=f"no conformance data in {TESTDATA} (../shared)"
)


def test_there_are_581_cases() -> None:
    assert len(FILES) == 581, f"expected the 581 cases of the EU DCC test data in {TESTDATA}"


def test_every_listed_case_exists() -> None:
    ids = {case_id(p) for p in FILES}
    assert {case for case, _ in KNOWN_WRONG} <= ids
    assert {flag for _, flag in KNOWN_WRONG} <= set(CHECKS)


@pytest.mark.parametrize("path", FILES, ids=[case_id(p) for p in FILES])
def test_case(path: Path) -> None:
    case = load_case(path)
    conftest.CASES_RUN.add(case.id)
    wrong: list[str] = []
    effective: dict[str, bool] = {}
    for flag, expected in sorted(case.expected.items()):
        counts = conftest.CONFORMANCE.setdefault(flag, Counter())
        if flag in SKIPPED_FLAGS:
            counts["skipped"] += 1
            continue
        got, why = outcome(case, flag)
        listed = KNOWN_WRONG.get((case.id, flag))
        effective[flag] = expected if listed is None else not expected
        if listed is None and got == expected:
            counts["passed"] += 1
        elif listed is not None and got != expected:
            counts["listed"] += 1
        else:
            counts["failed"] += 1
            wrong.append(
                f"{flag}: expected {expected}, got {got} ({why})"
                if listed is None
                else f"{flag}: listed as wrong ({listed}) but agrees: unlist it"
            )
    assert not wrong, "\n".join(wrong)
    _check_whole_chain(case, effective)


def _check_whole_chain(case: Case, effective: dict[str, bool]) -> None:
    if "EXPECTEDVERIFY" not in effective or "CERTIFICATE" not in case.data["TESTCTX"]:
        return  # without a verdict on the signature, the data says nothing about validity
    try:
        dsc = Dsc.from_der(base64.b64decode(case.data["TESTCTX"]["CERTIFICATE"]))
    except ValueError:
        return
    verifier = DccVerifier(TrustList(dscs=[dsc]), schema(), value_sets=value_sets())
    verdict = verifier.verify(case.data["PREFIX"], at=case.clock)
    failing = {flag for flag, ok in effective.items() if not ok and flag in CHAIN_STEPS}
    passing = {flag for flag, ok in effective.items() if ok and flag in CHAIN_STEPS}
    if failing:
        assert not verdict.valid, f"steps {sorted(failing)} fail, yet the verifier says valid"
    elif passing >= COMPLETE:
        # LI/4 (a test result signed by a vaccination-only DSC) sets no key-usage flag: the
        # data is silent there, and refusing it is what the key-usage rule demands.
        untested_key_usage = "EXPECTEDKEYUSAGE" not in effective
        assert verdict.valid or (verdict.failed_step == "key-usage" and untested_key_usage), (
            f"verifier says {verdict.failed_step}: {verdict.details}"
        )
    if not verdict.valid:
        # The verifier may stop at a step the data does not test, never at one it says passes.
        contradicted = [f for f in passing if verdict.failed_step in CHAIN_STEPS[f]]
        assert not contradicted, f"verifier says {verdict.failed_step}, data says {contradicted}"


#: PL's cases with a code outside the value sets (the same three in each schema version)
PL_VALUE_SET_CASES = {
    "7.json": "rapid test device 9999 is not in the EU list",
    "8.json": "country XY is not in the EU list",
    "9.json": "vaccine maker ORG-99999999 is not in the EU list",
}


@pytest.mark.parametrize("version", ["1.0.0", "1.2.1", "1.3.0"])
@pytest.mark.parametrize("name", sorted(PL_VALUE_SET_CASES))
def test_codes_outside_the_value_sets_are_refused_in_words(version: str, name: str) -> None:
    case = load_case(TESTDATA / "PL" / version / "2DCode" / "raw" / name)
    dsc = Dsc.from_der(base64.b64decode(case.data["TESTCTX"]["CERTIFICATE"]))
    verifier = DccVerifier(TrustList(dscs=[dsc]), schema(), value_sets=value_sets())
    verdict = verifier.verify(case.data["PREFIX"], at=case.clock)
    assert verdict.failed_step == "value-set"
    assert verdict.reason == PL_VALUE_SET_CASES[name]
    # without a snapshot the same certificate is valid: the refusal is the value sets' doing
    assert (
        DccVerifier(TrustList(dscs=[dsc]), schema())
        .verify(case.data["PREFIX"], at=case.clock)
        .valid
    )
