"""The pass itself: its claims, their JSON form, and the ``CP1:`` text in the QR. Sans-IO."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from edge.crypto.jws import CompactJws, compact_json, json_object, parse_compact
from edge.verify.base import CodeStatus
from edge.verify.community_pass.errors import TokenFormatError

PREFIX = "CP1:"
# A pass is ~250 characters; anything far longer is not one, and is refused before any work.
MAX_TEXT_CHARS = 1024
# Epoch seconds in [0, 2**40) are years 1970..36812: wide, and datetime never overflows.
_MAX_EPOCH = 2**40
_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")


@dataclass(frozen=True, slots=True)
class PassClaims:
    """What a pass says about its holder. ``resident_id`` is pseudonymous but still personal."""

    pass_id: str
    resident_id: str
    status: CodeStatus
    issued_at: datetime
    expires_at: datetime
    issuer: str


def valid_id(value: str) -> bool:
    """Ids (pass, resident, issuer, kid) are short and QR-friendly: letters, digits, ``._:@-``."""
    return _ID.fullmatch(value) is not None


def to_epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def encode_claims(claims: PassClaims) -> bytes:
    # Registered JWT claim names where one fits (they are already short); "st" for the colour.
    return compact_json(
        {
            "jti": claims.pass_id,
            "sub": claims.resident_id,
            "st": claims.status.value,
            "iat": to_epoch(claims.issued_at),
            "exp": to_epoch(claims.expires_at),
            "iss": claims.issuer,
        }
    )


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not valid_id(value):
        raise TokenFormatError("payload", f"{key} missing or not an id")
    return value


def _time(body: dict[str, Any], key: str) -> datetime:
    value = body.get(key)
    # bool is an int subclass; true is not a time.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < _MAX_EPOCH:
        raise TokenFormatError("payload", f"{key} missing or not a time")
    return datetime.fromtimestamp(value, UTC)


def decode_claims(payload: bytes) -> PassClaims:
    body = json_object(payload, "payload")
    status = body.get("st")
    if status not in ("green", "yellow", "red"):
        raise TokenFormatError("payload", "st is not green, yellow or red")
    return PassClaims(
        pass_id=_text(body, "jti"),
        resident_id=_text(body, "sub"),
        status=CodeStatus(status),
        issued_at=_time(body, "iat"),
        expires_at=_time(body, "exp"),
        issuer=_text(body, "iss"),
    )


def claims_prefix(text: str) -> bool:
    return text.strip().startswith(PREFIX)


def parse_pass_text(text: str) -> CompactJws:
    """``CP1:<compact JWS>`` -> the unverified JWS. Raises :class:`JwsError`."""
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise TokenFormatError("text", "too long for a pass")
    if not text.startswith(PREFIX):
        raise TokenFormatError("text", f"does not start with {PREFIX}")
    return parse_compact(text[len(PREFIX) :])
