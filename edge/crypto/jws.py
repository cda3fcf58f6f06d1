"""Compact JWS (RFC 7515) with EdDSA and ES256, on ``cryptography``. Sans-IO.

Everything the system signs is one of these: community passes, status lists, the centre's
policies and distributed items. Parsing is strict, because these texts come from scanners and
brokers that anyone may talk to:

- base64url exactly (no padding, no characters outside the alphabet, no length that cannot be);
  ``base64.urlsafe_b64decode`` would silently drop what it does not know;
- only ``EdDSA`` and ``ES256`` are understood; anything else (``none``, HS256, RS256...) is
  refused by name, and the caller checks the algorithm against the key it trusts;
- ``crit`` (RFC 7515 4.1.11) is honoured: a JWS that marks as critical an extension the
  caller does not understand is refused; the caller names those it understands;
- every part is bounded in size, so hostile input is cheap to refuse.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.crypto.ecdsa import sign_p256, verify_p256

Alg = Literal["ES256", "EdDSA"]
ALGS: tuple[Alg, ...] = ("ES256", "EdDSA")
PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
#: A pass's header and payload are a few dozen bytes; callers with more raise the bound.
MAX_PART_CHARS = 2048
#: Header parameters every JWS may carry; ``crit`` may not name these (RFC 7515 4.1.11).
_REGISTERED = frozenset(
    {"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"}
)


class JwsError(Exception):
    """A text that is not a well-formed JWS; ``part`` is where it broke, ``reason`` why."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, part: str, *, max_chars: int = MAX_PART_CHARS) -> bytes:
    """Strict base64url without padding; raises :class:`JwsError` naming ``part``."""
    if len(text) > max_chars:
        raise JwsError(part, f"longer than {max_chars} characters")
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise JwsError(part, "not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwsError(part, "not base64url") from None


def json_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise JwsError(part, "not JSON") from None
    if not isinstance(value, dict):
        raise JwsError(part, "not a JSON object")
    return value


def compact_json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class CompactJws:
    """A split, decoded, not yet verified compact JWS."""

    header: dict[str, Any]
    alg: str  # as the header claims it; checked against the key before use
    kid: str
    payload: bytes
    signing_input: bytes
    signature: bytes


def _check_crit(header: Mapping[str, Any], understood: Collection[str]) -> None:
    if "crit" not in header:
        return
    crit = header["crit"]
    if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
        raise JwsError("header", "crit must be a non-empty list of names")
    for name in crit:
        if name in _REGISTERED:
            raise JwsError("header", f"crit names {name!r}, a registered parameter")
        if name not in header:
            raise JwsError("header", f"crit names {name!r}, which the header lacks")
        if name not in understood:
            raise JwsError("header", f"critical extension {name!r} is not understood")


def parse_compact(
    text: str,
    *,
    understood_crit: Collection[str] = (),
    max_part_chars: int = MAX_PART_CHARS,
) -> CompactJws:
    """Split and decode ``header.payload.signature``. Raises :class:`JwsError`."""
    parts = text.split(".")
    if len(parts) != 3:
        raise JwsError("jws", "not three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    header = json_object(b64url_decode(header_b64, "header", max_chars=max_part_chars), "header")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
        raise JwsError("header", "alg or kid missing")
    _check_crit(header, understood_crit)
    return CompactJws(
        header=header,
        alg=alg,
        kid=kid,
        payload=b64url_decode(payload_b64, "payload", max_chars=max_part_chars),
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=b64url_decode(signature_b64, "signature"),
    )


def alg_of_key(key: PublicKey | PrivateKey) -> Alg | None:
    """The JWS algorithm a key is for, or None for a key we do not sign with (P-384, ...)."""
    if isinstance(key, Ed25519PublicKey | Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    return None


def sign_compact(
    key: PrivateKey, *, kid: str, payload: bytes, header: Mapping[str, Any] | None = None
) -> str:
    """``header.payload.signature``; ``header`` adds parameters (``typ``, ``crit``...)."""
    alg = alg_of_key(key)
    if alg is None:
        raise ValueError("only Ed25519 and P-256 keys sign")
    fields = {"alg": alg, "kid": kid, **(header or {})}
    signing_input = f"{b64url_encode(compact_json(fields))}.{b64url_encode(payload)}"
    data = signing_input.encode("ascii")
    signature = key.sign(data) if isinstance(key, Ed25519PrivateKey) else sign_p256(key, data)
    return f"{signing_input}.{b64url_encode(signature)}"


def signature_ok(key: PublicKey, jws: CompactJws) -> bool:
    """True when ``jws`` is signed by ``key`` with the algorithm it claims (which must be
    ``key``'s: a header cannot choose a weaker check)."""
    if jws.alg != alg_of_key(key):
        return False
    if isinstance(key, Ed25519PublicKey):
        try:
            key.verify(jws.signature, jws.signing_input)
        except InvalidSignature:
            return False
        return True
    return verify_p256(key, jws.signature, jws.signing_input)
