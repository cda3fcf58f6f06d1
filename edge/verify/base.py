"""The verifier interface: any health-code format plugs in behind it.

A verifier takes the text of a scanned code and returns a :class:`Verdict`. It never raises for
bad input: an unreadable, forged or expired code is a verdict with ``valid=False``, the step that
failed and a reason in plain words. ``claims`` returns ``None`` when the verifier does not
recognise the format at all, so that a chain of verifiers can try the next one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from edge.i18n import N_

UNKNOWN_FORMAT = N_("unknown code format: scan again")


class CodeStatus(enum.StrEnum):
    """The colour the admission policy decides on."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Verdict:
    valid: bool
    code_type: str  # "community-pass", "eu-dcc", ... ; "unknown" when no verifier claimed it
    status: CodeStatus | None = None  # set when valid
    failed_step: str | None = None  # e.g. "signature", "expiry", "base45", "format"
    reason: str = ""  # plain words for the checkpoint page: "signature invalid", "code expired"
    subject: str | None = None  # pseudonymous resident id; personal data, purged with the record
    expires_at: datetime | None = None
    issuer: str | None = None  # issuer id or country
    details: dict[str, str] = field(default_factory=dict)  # non-personal extras (cert type, ...)


class Verifier(Protocol):
    code_type: str

    def claims(self, text: str) -> bool:
        """True when ``text`` looks like this verifier's format (a prefix check, say)."""
        ...

    def verify(self, text: str, *, at: datetime) -> Verdict: ...


class VerifierChain:
    """Tries each verifier that claims the code; an unclaimed code is an 'unknown code format'."""

    def __init__(self, verifiers: list[Verifier]) -> None:
        self._verifiers = list(verifiers)

    def __len__(self) -> int:
        return len(self._verifiers)

    def __iter__(self) -> Iterator[Verifier]:
        return iter(self._verifiers)

    def verify(self, text: str, *, at: datetime) -> Verdict:
        for verifier in self._verifiers:
            if verifier.claims(text):
                return verifier.verify(text, at=at)
        return Verdict(
            valid=False,
            code_type="unknown",
            failed_step="format",
            reason=UNKNOWN_FORMAT,
        )
