"""The EU DCC verifier: ``HC1:`` text -> :class:`~edge.verify.base.Verdict`, offline.

Steps, each a ``failed_step`` when it fails: ``prefix``, ``base45``, ``zlib``, ``cose``,
``cbor`` (the damaged-code steps), ``trust`` (no DSC with the code's kid), ``signature`` (no DSC
with that kid verifies it), ``schema`` (payload not a DCC), ``value-set`` (a coded field holds a
code that is not in the EU value sets in force; only when the verifier has a snapshot),
``key-usage`` (the DSC may not sign this certificate type), ``expiry`` (CWT expired or issued in
the future, or the signing DSC outside its own validity). A valid code gets a colour from
:class:`DccRules`.

Privacy: ``subject`` is the certificate identifier ``ci`` (pseudonymous); names and date of
birth never leave this module except through :func:`personal_fields`, which the CLI prints only
when asked.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from edge.i18n import N_
from edge.verify.base import Verdict
from edge.verify.dcc.base45 import b45decode
from edge.verify.dcc.chain import (
    DEFAULT_MAX_INFLATED,
    PREFIX,
    CoseSign1,
    CwtClaims,
    inflate,
    parse_claims,
    parse_cose,
    to_json,
    unprefix,
)
from edge.verify.dcc.errors import DecodeError, TrustListError
from edge.verify.dcc.rules import TYPE_NAMES, DccRules, apply_rules
from edge.verify.dcc.schema import DccSchema
from edge.verify.dcc.signature import certificate_types, signature_ok
from edge.verify.dcc.trust import Dsc, TrustList
from edge.verify.dcc.valuesets import Mismatch, ValueSets, load_value_sets

log = logging.getLogger(__name__)

CODE_TYPE = "eu-dcc"
DAMAGED = N_("not a valid health certificate (damaged code)")
REASONS = {
    "schema": N_("not a valid health certificate (content not in the EU format)"),
    "trust": N_("unknown issuer: signer not in the trust list"),
    "signature": N_("signature invalid"),
    "key-usage": N_("issuer not allowed to sign this certificate type"),
    "expiry": N_("certificate expired"),
    "not-yet-valid": N_("certificate not valid yet"),
    "signer-expired": N_("signer certificate expired or not yet valid"),
    "value-set": N_("{field} {value} is not in the EU list"),
}
#: ValueSets' field names (valuesets.CODED_FIELDS) in the words of the "value-set" reason
FIELD_WORDS = {
    "disease": N_("disease"),
    "vaccine-type": N_("vaccine type"),
    "vaccine-product": N_("vaccine product"),
    "vaccine-maker": N_("vaccine maker"),
    "country": N_("country"),
    "test-type": N_("test type"),
    "test-result": N_("test result"),
    "test-device": N_("rapid test device"),
}
BLANK = N_("(blank)")  # an empty code, shown in a reason


class DccVerifier:
    """Implements :class:`edge.verify.base.Verifier`. Never raises on any text."""

    code_type = CODE_TYPE

    def __init__(
        self,
        trust_list: TrustList,
        schema: DccSchema | None = None,
        rules: DccRules | None = None,
        *,
        max_inflated_bytes: int = DEFAULT_MAX_INFLATED,
        clock_skew_s: float = 300.0,
        trust_check_interval_s: float | None = None,
        value_sets: ValueSets | None = None,
    ) -> None:
        self.trust_list = trust_list
        self.schema = schema if schema is not None else DccSchema()
        self.rules = rules if rules is not None else DccRules()
        self.max_inflated_bytes = max_inflated_bytes
        self._skew = timedelta(seconds=clock_skew_s)
        #: None: the trust list changes only when someone calls its reload(); else how often
        #: a verification may stat the trust-list files for a replacement
        self._trust_interval = trust_check_interval_s
        self._trust_checked = time.monotonic()
        self._trust_error: str | None = None
        #: None: coded fields are not checked (no snapshot configured). Replaced whole, by one
        #: assignment in replace_value_sets; a verification reads it once.
        self._value_sets = value_sets
        #: verdicts by outcome ("valid" or the failed step); for the health page and metrics
        self.counts: Counter[str] = Counter()

    def claims(self, text: str) -> bool:
        return text.startswith(PREFIX)

    def verify(self, text: str, *, at: datetime) -> Verdict:
        self._maybe_reload_trust()
        try:
            verdict = self._verify(text, at)
        except Exception:
            # Last line of defence: a lane must get an answer even if this code has a bug.
            # The hypothesis tests assert this branch is never taken.
            log.exception("EU DCC verifier failed on a scanned code")
            verdict = fail("internal", DAMAGED)
        self.counts[verdict.failed_step or "valid"] += 1
        return verdict

    @property
    def value_sets(self) -> ValueSets | None:
        """The value-set snapshot in force; None when coded fields are not checked."""
        return self._value_sets

    def replace_value_sets(self, new: ValueSets) -> ValueSets | None:
        """Put ``new`` in force for every verification that starts from now; return the old one.

        This is the one way to change the value sets while running (the trust-material channel
        calls it). ``new`` is a whole snapshot, checked when it was built, so a bad or partial
        one never gets here: build it first (:func:`load_value_sets`, ``ValueSets.of``), and on
        :class:`ValueSetError` keep the one in force. The checks cannot be switched off this
        way: ``None`` is refused.
        """
        if not isinstance(new, ValueSets):
            raise TypeError(f"a ValueSets snapshot is needed, not {type(new).__name__}")
        old, self._value_sets = self._value_sets, new  # one assignment: the atomic swap
        log.info("EU DCC value sets now in force: %s", new.describe())
        return old

    def load_value_sets(self, directory: Path) -> ValueSets:
        """Load the snapshot in ``directory`` and put it in force.

        Raises :class:`ValueSetError` (naming the file) before anything is replaced.
        """
        new = load_value_sets(directory)
        self.replace_value_sets(new)
        return new

    def _maybe_reload_trust(self) -> None:
        if self._trust_interval is None:
            return
        now = time.monotonic()
        if now - self._trust_checked < self._trust_interval:
            return
        self._trust_checked = now
        try:
            if self.trust_list.reload_if_changed():
                log.info("EU DCC trust list reloaded: %d signer certificates", len(self.trust_list))
            self._trust_error = None
        except TrustListError as exc:
            if str(exc) != self._trust_error:  # log once per distinct problem, not per scan
                log.error("EU DCC trust list not reloaded, the old one stays: %s", exc)
            self._trust_error = str(exc)

    def decode(self, text: str) -> tuple[CoseSign1, CwtClaims]:
        """The signed structure and its claims; raises :class:`DecodeError` naming the step."""
        if not isinstance(text, str):
            raise DecodeError("prefix", "not text")
        compressed = b45decode(unprefix(text.strip()))
        cose = parse_cose(inflate(compressed, max_size=self.max_inflated_bytes))
        return cose, parse_claims(cose.payload)

    def _verify(self, text: str, at: datetime) -> Verdict:
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        try:
            cose, claims = self.decode(text)
        except DecodeError as exc:
            return fail(exc.step, DAMAGED, why=exc.why)
        kid = cose.kid
        candidates = self.trust_list.lookup(kid) if kid is not None else ()
        if not candidates:
            return fail("trust", REASONS["trust"])
        signers = [dsc for dsc in candidates if signature_ok(cose, dsc.public_key)]
        if not signers:
            return fail("signature", REASONS["signature"])
        payload = to_json(claims.dcc)
        problems = self.schema.problems(payload)
        if problems:
            return fail("schema", REASONS["schema"], where=",".join(problems[:5])[:200])
        value_sets = self._value_sets  # read once: a concurrent swap must not mix two snapshots
        if value_sets is not None:
            mismatch = value_sets.first_mismatch(payload)
            if mismatch is not None:
                return refuse_code(mismatch)
        types = certificate_types(claims.dcc)
        allowed = [dsc for dsc in signers if types <= dsc.allowed_types]
        if not allowed:
            return fail("key-usage", REASONS["key-usage"])
        expiry = check_expiry(claims, allowed, at, self._skew)
        if expiry is not None:
            return fail("expiry", REASONS[expiry])
        signer = next(dsc for dsc in allowed if dsc.valid_at(at))
        outcome = apply_rules(self.rules, claims.dcc, at)
        ci = _certificate_id(claims.dcc)
        return Verdict(
            valid=True,
            code_type=CODE_TYPE,
            status=outcome.status,
            subject=ci,
            expires_at=claims.expires_at,
            issuer=signer.country or claims.issuer,
            details={
                "type": outcome.cert_type,
                "rule": outcome.rule,
                "cwt_issuer": str(claims.issuer or ""),
                "schema_version": str(payload.get("ver", ""))[:16],
            },
        )


def check_expiry(
    claims: CwtClaims, signers: list[Dsc], at: datetime, skew: timedelta = timedelta(0)
) -> str | None:
    """None when the code and one of its signers are valid at ``at``; else the REASONS key."""
    if claims.expires_at is None or claims.expires_at < at:
        return "expiry"
    if claims.issued_at is not None and claims.issued_at > at + skew:
        return "not-yet-valid"
    if not any(dsc.valid_at(at) for dsc in signers):
        return "signer-expired"
    return None


def personal_fields(dcc: dict[str, Any]) -> dict[str, str]:
    """Name, date of birth and certificate id: for ``verify-code --show-personal`` only."""
    nam = dcc.get("nam") if isinstance(dcc.get("nam"), dict) else {}
    assert isinstance(nam, dict)
    out = {
        "family_name": str(nam.get("fn", "")),
        "given_name": str(nam.get("gn", "")),
        "date_of_birth": str(dcc.get("dob", "")),
    }
    ci = _certificate_id(dcc)
    if ci is not None:
        out["certificate_id"] = ci
    return out


def _certificate_id(dcc: dict[str, Any]) -> str | None:
    for key in TYPE_NAMES:
        entries = dcc.get(key)
        if isinstance(entries, list) and entries and isinstance(entries[0], dict):
            ci = entries[0].get("ci")
            if isinstance(ci, str):
                return ci[:128]
    return None


def refuse_code(mismatch: Mismatch) -> Verdict:
    """The verdict for a code outside its value set: which field, which value, in words."""
    value = "".join(ch for ch in mismatch.value if ch.isprintable()) or BLANK
    if len(value) > 40:  # a scanned code chooses this text: keep it to a line
        value = value[:39] + "…"
    reason = REASONS["value-set"].format(field=FIELD_WORDS[mismatch.name], value=value)
    return fail(
        "value-set",
        reason,
        field=mismatch.path,
        value_set=mismatch.value_set.id,
        value_set_date=mismatch.value_set.date.isoformat(),
    )


def fail(step: str, reason: str, **why: str) -> Verdict:
    return Verdict(
        valid=False,
        code_type=CODE_TYPE,
        failed_step=step,
        reason=reason,
        details={k: v[:200] for k, v in why.items()},
    )
