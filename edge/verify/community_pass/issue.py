"""Issuing: sign a pass or a status list, and draw a pass as a QR code.

This runs where the community's signing key lives (an office machine), not on the gateway.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge.crypto.jws import PrivateKey, compact_json, sign_compact
from edge.verify.base import CodeStatus
from edge.verify.community_pass.errors import IssueError
from edge.verify.community_pass.status_list import parse_entries
from edge.verify.community_pass.token import PREFIX, PassClaims, encode_claims, to_epoch, valid_id

#: M (~15 % of the symbol may be lost) reads well off phone screens and paper; segno raises it
#: for free when the same symbol size has room.
QR_ERROR_LEVEL = "m"


def new_pass_id() -> str:
    return secrets.token_urlsafe(9)  # 72 random bits in 12 QR-friendly characters


def issue_pass(
    key: PrivateKey,
    *,
    kid: str,
    resident_id: str,
    status: CodeStatus | str,
    valid_for: timedelta,
    issuer: str,
    issued_at: datetime | None = None,
    pass_id: str | None = None,
) -> str:
    """Sign a pass and return its QR text, ``CP1:<compact JWS>``. Raises :class:`IssueError`."""
    for field, value in (("kid", kid), ("resident_id", resident_id), ("issuer", issuer)):
        if not valid_id(value):
            raise IssueError(field, f"{value!r} must be 1-128 of A-Z a-z 0-9 . _ : @ -")
    if status not in ("green", "yellow", "red"):
        raise IssueError("status", f"{status!r} is not green, yellow or red")
    if valid_for <= timedelta(0):
        raise IssueError("valid_for", "must be positive")
    issued_at = issued_at if issued_at is not None else datetime.now(UTC)
    claims = PassClaims(
        pass_id=pass_id if pass_id is not None else new_pass_id(),
        resident_id=resident_id,
        status=CodeStatus(status),
        issued_at=issued_at,
        expires_at=issued_at + valid_for,
        issuer=issuer,
    )
    if not valid_id(claims.pass_id):
        raise IssueError("pass_id", f"{claims.pass_id!r} is not a valid id")
    try:
        return PREFIX + sign_compact(key, kid=kid, payload=encode_claims(claims))
    except ValueError as exc:
        raise IssueError("key", str(exc)) from None


def sign_status_list(
    key: PrivateKey,
    *,
    kid: str,
    entries: Mapping[str, str],
    issuer: str,
    issued_at: datetime | None = None,
) -> bytes:
    """The bytes of a signed status-list file (see :mod:`.status_list`)."""
    parse_entries(entries, None)  # refuse a bad state here, not on every gateway
    body = {
        "iat": to_epoch(issued_at if issued_at is not None else datetime.now(UTC)),
        "iss": issuer,
        "entries": dict(entries),
    }
    return compact_json({"signed": sign_compact(key, kid=kid, payload=compact_json(body))})


def write_qr_png(text: str, path: Path, *, scale: int = 6) -> None:
    # Byte mode: the JWS alphabet (mixed case, '-', '_', '.') is outside QR alphanumeric mode.
    import segno  # only issuing draws codes; the gateway's verifier never loads it

    qr = segno.make_qr(text, error=QR_ERROR_LEVEL, mode="byte")
    qr.save(str(path), kind="png", scale=scale, border=4)
