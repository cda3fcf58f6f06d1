"""The community-pass verifier: ``CP1:`` text -> :class:`~edge.verify.base.Verdict`, offline.

Steps, each a ``failed_step`` when it fails: ``format`` (not a readable pass), ``algorithm``
(not ES256/EdDSA, or not the algorithm of the key named), ``issuer`` (unknown kid),
``signature``, ``not-yet-valid`` (issued further in the future than the clock-skew allowance),
``expiry`` (strict: no allowance, an expired health code is not stretched), ``status``
(revoked by the status list). The status list's colour, when it names the pass, replaces the
signed one.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from edge.crypto.jws import ALGS, JwsError, signature_ok
from edge.i18n import N_
from edge.verify.base import CodeStatus, Verdict
from edge.verify.community_pass.keys import KeyRing
from edge.verify.community_pass.status_list import PassState, StatusList
from edge.verify.community_pass.token import (
    PassClaims,
    claims_prefix,
    decode_claims,
    parse_pass_text,
)

log = logging.getLogger(__name__)

CODE_TYPE = "community-pass"
# What a person reads: English templates in the catalogue (edge/i18n).
UNREADABLE = N_("unreadable code: scan again")
SIGNATURE_INVALID = N_("signature invalid")
UNKNOWN_KEY = N_("unknown issuer key")
NOT_YET_VALID = N_("code not yet valid: check the checkpoint clock")
EXPIRED = N_("code expired")
REVOKED = N_("code revoked")
STATUS_WORDS = {
    CodeStatus.GREEN: N_("code green"),
    CodeStatus.YELLOW: N_("code yellow"),
    CodeStatus.RED: N_("code red"),
}


class CommunityPassVerifier:
    """Implements :class:`edge.verify.base.Verifier`. Never raises on any text."""

    code_type = CODE_TYPE

    def __init__(
        self,
        keyring: KeyRing,
        status_list: StatusList | None = None,
        *,
        clock_skew_s: float = 120.0,
    ) -> None:
        self.keyring = keyring
        self.status_list = status_list if status_list is not None else StatusList()
        self._skew = timedelta(seconds=clock_skew_s)
        #: verdicts by outcome ("valid" or the failed step); for the health page and metrics
        self.counts: Counter[str] = Counter()

    def claims(self, text: str) -> bool:
        return claims_prefix(text)

    def verify(self, text: str, *, at: datetime) -> Verdict:
        try:
            verdict = self._verify(text, at)
        except Exception:
            # Last line of defence: a lane must get an answer even if this code has a bug.
            # The hypothesis tests assert this branch is never taken.
            log.exception("community pass verifier failed on a scanned code")
            verdict = _fail("internal", UNREADABLE)
        self.counts[verdict.failed_step or "valid"] += 1
        return verdict

    def _verify(self, text: str, at: datetime) -> Verdict:
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        try:
            jws = parse_pass_text(text)
        except JwsError as exc:
            return _fail("format", UNREADABLE, why=str(exc))
        if jws.alg not in ALGS:
            return _fail("algorithm", SIGNATURE_INVALID, why="algorithm not allowed")
        found = self.keyring.lookup(jws.kid)
        if found is None:
            return _fail("issuer", UNKNOWN_KEY, kid=jws.kid[:64])
        key, alg = found
        if jws.alg != alg:
            return _fail("algorithm", SIGNATURE_INVALID, kid=jws.kid, why=f"key is {alg}")
        if not signature_ok(key, jws):
            return _fail("signature", SIGNATURE_INVALID, kid=jws.kid)
        try:
            claims = decode_claims(jws.payload)
        except JwsError as exc:
            return _fail("format", UNREADABLE, kid=jws.kid, why=str(exc))
        # From here the pass is authentic, so who it names and until when can be reported.
        details = {"kid": jws.kid, "alg": alg, "signed_status": claims.status.value}
        if claims.issued_at - self._skew > at:  # (at + skew could overflow at year 9999)
            return _refuse(claims, "not-yet-valid", NOT_YET_VALID, details)
        if at >= claims.expires_at:
            return _refuse(claims, "expiry", EXPIRED, details)
        state = self.status_list.lookup(claims.pass_id)
        if state is PassState.REVOKED:
            return _refuse(claims, "status", REVOKED, {**details, "status_source": "status-list"})
        status = claims.status if state is None else CodeStatus(state.value)
        return Verdict(
            valid=True,
            code_type=CODE_TYPE,
            status=status,
            reason=STATUS_WORDS[status],
            subject=claims.resident_id,
            expires_at=claims.expires_at,
            issuer=claims.issuer,
            details={**details, "status_source": "pass" if state is None else "status-list"},
        )


def _refuse(claims: PassClaims, step: str, reason: str, details: dict[str, str]) -> Verdict:
    return Verdict(
        valid=False,
        code_type=CODE_TYPE,
        failed_step=step,
        reason=reason,
        subject=claims.resident_id,
        expires_at=claims.expires_at,
        issuer=claims.issuer,
        details=details,
    )


def _fail(step: str, reason: str, **details: str) -> Verdict:
    return Verdict(
        valid=False, code_type=CODE_TYPE, failed_step=step, reason=reason, details=details
    )
