"""Visitor passes: the gateway's own time-limited passes, verified offline like community passes.

QR text ``CV1:<compact JWS>``, the layout of a community pass (:mod:`edge.verify.community_pass`)
with subject ``v:<visit id>``, ``iat`` the start of the visit's window and ``exp`` its end.
The gateway signs them with a key of its own (made on first run, mode 0600) that signs nothing
else, and only the gateway's :class:`VisitorPassVerifier` knows that key: a visitor pass is
never a resident's pass, here or at another gate. The window is strict (no clock-skew grace):
a pass shown before or after it is refused, saying when it is valid.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.core.words import N_
from edge.crypto.jws import JwsError, parse_compact, sign_compact, signature_ok
from edge.rules.household import local_time_words
from edge.verify.base import CodeStatus, Verdict
from edge.verify.community_pass.token import PassClaims, decode_claims, encode_claims

log = logging.getLogger(__name__)

PREFIX = "CV1:"
CODE_TYPE = "visitor-pass"
MAX_TEXT_CHARS = 1024

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
UNREADABLE = N_("unreadable code: scan again")
FORGED = N_("signature invalid")
NOT_YET = N_("visitor pass valid from {start} to {end}")
ENDED = N_("visitor pass ended {end}")
CANCELLED = N_("visit cancelled")


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The gateway's visitor-pass key; made (0600, atomically) when the file does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made by another process just now
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        return key
    key_obj = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key_obj, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key_obj


def issue(
    key: Ed25519PrivateKey, *, kid: str, visit_id: str, valid_from: float, valid_until: float
) -> str:
    claims = PassClaims(
        pass_id=visit_id,
        resident_id=f"v:{visit_id}",
        status=CodeStatus.GREEN,
        issued_at=datetime.fromtimestamp(valid_from, UTC),
        expires_at=datetime.fromtimestamp(valid_until, UTC),
        issuer=kid,
    )
    return PREFIX + sign_compact(key, kid=kid, payload=encode_claims(claims))


class VisitorPassVerifier:
    """Implements :class:`edge.verify.base.Verifier`; never raises on any text."""

    code_type = CODE_TYPE

    def __init__(self, key: Ed25519PrivateKey, kid: str) -> None:
        self._public = key.public_key()
        self.kid = kid
        #: visit ids cancelled after their pass was printed (kept current by the registry)
        self.cancelled: frozenset[str] = frozenset()

    def claims(self, text: str) -> bool:
        return text.strip().startswith(PREFIX)

    def verify(self, text: str, *, at: datetime) -> Verdict:
        try:
            return self._verify(text.strip(), at)
        except Exception:  # a lane must get an answer even if this code has a bug
            log.exception("visitor pass verifier failed on a scanned code")
            return _fail("internal", UNREADABLE)

    def _verify(self, text: str, at: datetime) -> Verdict:
        if len(text) > MAX_TEXT_CHARS:
            return _fail("format", UNREADABLE)
        try:
            jws = parse_compact(text[len(PREFIX) :])
        except JwsError:
            return _fail("format", UNREADABLE)
        if jws.alg != "EdDSA" or jws.kid != self.kid:
            return _fail("issuer", FORGED)
        if not signature_ok(self._public, jws):
            return _fail("signature", FORGED)
        try:
            claims = decode_claims(jws.payload)
        except JwsError:
            return _fail("format", UNREADABLE)
        now = at.timestamp()
        start, end = claims.issued_at.timestamp(), claims.expires_at.timestamp()
        subject = claims.resident_id
        if now < start:
            words = NOT_YET.format(
                start=local_time_words(start, now), end=local_time_words(end, now)
            )
            return _fail("not-yet-valid", words, subject)
        if now >= end:
            return _fail("expiry", ENDED.format(end=local_time_words(end, now)), subject)
        if claims.pass_id in self.cancelled:
            return _fail("status", CANCELLED, subject)
        return Verdict(
            valid=True,
            code_type=CODE_TYPE,
            status=CodeStatus.GREEN,
            reason="visitor pass",
            subject=subject,
            expires_at=claims.expires_at,
            issuer=claims.issuer,
        )


def _fail(step: str, reason: str, subject: str | None = None) -> Verdict:
    return Verdict(
        valid=False, code_type=CODE_TYPE, failed_step=step, reason=reason, subject=subject
    )
