"""Fixtures for the EU DCC tests, and the conformance summary table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509

from edge.verify.dcc import issue
from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.verifier import DccVerifier
from tests.dcc.cases import TESTDATA

#: filled by test_conformance: per flag, "passed" / "listed" / "skipped" counts
CONFORMANCE: dict[str, Counter[str]] = {}
CASES_RUN: set[str] = set()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CONFORMANCE:
        return
    tr = terminalreporter
    tr.section("EU DCC conformance (shared/conformance/dcc-testdata)")
    tr.write_line(f"data: {TESTDATA}")
    tr.write_line(f"{'flag':28} {'checked':>8} {'passed':>8} {'listed':>8} {'failed':>8}")
    total: Counter[str] = Counter()
    for flag in sorted(CONFORMANCE):
        c = CONFORMANCE[flag]
        checked = c["passed"] + c["listed"] + c["failed"]
        total.update(c)
        if checked:
            tr.write_line(f"{flag:28} {checked:8} {c['passed']:8} {c['listed']:8} {c['failed']:8}")
        if c["skipped"]:
            tr.write_line(f"{flag:28} skipped on {c['skipped']} cases (issuing side)")
    checked = total["passed"] + total["listed"] + total["failed"]
    tr.write_line(
        f"{'all flags':28} {checked:8} {total['passed']:8} {total['listed']:8}"
        f" {total['failed']:8}   over {len(CASES_RUN)} cases"
    )


# ---- keys, DSCs and signed codes of our own ----------------------------------------------


NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Signer:
    key: issue.SigningKey
    cert: x509.Certificate
    kid: bytes

    def dsc(self, country: str = "XX") -> Dsc:
        return Dsc.from_certificate(self.cert, self.cert.public_key(), kid=None, country=country)

    def code(self, kind: str = "v", *, at: datetime = NOW, **kwargs: Any) -> str:
        kwargs.setdefault("issued_at", at - timedelta(days=1))
        kwargs.setdefault("expires_at", at + timedelta(days=30))
        kwargs.setdefault("kid", self.kid)
        dcc = kwargs.pop("dcc", None) or issue.sample_dcc(kind, when=at)
        return issue.sign_hc1(dcc, self.key, **kwargs)


def make_signer(alg: issue.Alg, types: str = "", **cert_args: Any) -> Signer:
    key = issue.make_key(alg)
    cert_args.setdefault("not_before", NOW - timedelta(days=365))
    cert_args.setdefault("not_after", NOW + timedelta(days=365))
    cert = issue.make_dsc(key, country="XX", types=types, **cert_args)
    return Signer(key, cert, issue.kid_of(cert))


@pytest.fixture(scope="session")
def es256() -> Signer:
    return make_signer("ES256")


@pytest.fixture(scope="session")
def ps256() -> Signer:
    return make_signer("PS256")


@pytest.fixture(scope="session")
def verifier_for() -> Callable[..., DccVerifier]:
    def build(*signers: Signer, **kwargs: Any) -> DccVerifier:
        return DccVerifier(TrustList(dscs=[s.dsc() for s in signers]), **kwargs)

    return build
