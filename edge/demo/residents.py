"""The demo's stream of residents: one of each outcome a checkpoint worker will meet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.crypto.jws import PrivateKey
from edge.verify.community_pass import issue_pass

REVOKED_PASS = "demo-revoked-pass"  # noqa: S105 - a pass id, not a secret


@dataclass(frozen=True, slots=True)
class Resident:
    label: str  # what the demo prints: the outcome the page should show
    code: str | None  # QR text; None: no code presented
    raw: bytes | None = None  # exact scanner bytes instead of a code (garbage)
    temperature: float | None = None  # None: the resident is never measured


@dataclass(frozen=True, slots=True)
class PassIssuer:
    key: PrivateKey
    forged_key: PrivateKey  # same kid, another key: a forgery
    kid: str
    issuer: str
    dsc_key: Any = None  # the demo's EU DCC document signer (a test DSC, never production)
    dsc_kid: bytes = b""

    def eu_dcc(self, kind: str, *, days: float = 365, issued_days_ago: float = 10) -> str:
        """An ``HC1:`` code from the demo's test DSC: "v" vaccination, "t" test, "r" recovery."""
        from edge.verify.dcc.issue import sample_dcc, sign_hc1

        issued = datetime.now(UTC) - timedelta(days=issued_days_ago)
        return sign_hc1(
            sample_dcc(kind, when=issued),
            self.dsc_key,
            kid=self.dsc_kid,
            issued_at=issued,
            expires_at=issued + timedelta(days=days),
        )

    def issue(
        self,
        resident_id: str,
        status: str,
        *,
        days: float = 30,
        issued_days_ago: float = 0,
        pass_id: str | None = None,
        forged: bool = False,
    ) -> str:
        return issue_pass(
            self.forged_key if forged else self.key,
            kid=self.kid,
            resident_id=resident_id,
            status=status,
            valid_for=timedelta(days=days),
            issuer=self.issuer,
            issued_at=datetime.now(UTC) - timedelta(days=issued_days_ago),
            pass_id=pass_id,
        )


def write_status_list(path: Path, entries: dict[str, str], issuer: str) -> None:
    """The community's status list: passes whose colour changed after issue."""
    doc = {"iat": int(datetime.now(UTC).timestamp()), "iss": issuer, "entries": entries}
    path.write_text(json.dumps(doc, indent=2) + "\n")


def residents(issuer: PassIssuer) -> list[Resident]:
    """One round of residents; the same people come back each round, with fresh passes."""
    return [
        Resident("ADMIT: green pass, 36.6 °C", issuer.issue("r-0001", "green"), temperature=36.6),
        Resident("DENY: fever 38.1 °C", issuer.issue("r-0002", "green"), temperature=38.1),
        Resident("DENY: code red", issuer.issue("r-0003", "red"), temperature=36.5),
        Resident(
            "DENY: code expired",
            issuer.issue("r-0004", "green", days=14, issued_days_ago=20),
            temperature=36.7,
        ),
        Resident(
            "DENY: signature invalid (forged pass)",
            issuer.issue("r-0005", "green", forged=True),
            temperature=36.4,
        ),
        Resident(
            "RECHECK: unreadable code: scan again", None, raw=b"\x1b\xff#%\xfe\r", temperature=None
        ),
        Resident("RECHECK: code yellow", issuer.issue("r-0006", "yellow"), temperature=36.8),
        Resident(
            "RECHECK: temperature 37.1 °C: measure again",
            issuer.issue("r-0007", "green"),
            temperature=37.1,
        ),
        Resident(
            "DENY: code red (status list changed the pass after issue)",
            issuer.issue("r-0008", "green", pass_id=REVOKED_PASS),
            temperature=36.6,
        ),
        Resident("RECHECK: no temperature yet: measure again", issuer.issue("r-0009", "green")),
        Resident("ADMIT: green pass, 36.2 °C", issuer.issue("r-0010", "green"), temperature=36.2),
        Resident(
            "ADMIT: EU vaccination certificate (HC1), 36.4 °C",
            issuer.eu_dcc("v"),
            temperature=36.4,
        ),
        Resident(
            "DENY: EU certificate expired",
            issuer.eu_dcc("v", days=30, issued_days_ago=60),
            temperature=36.6,
        ),
    ]
