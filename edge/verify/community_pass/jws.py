"""Compact JWS (RFC 7515) for ES256 and EdDSA, written directly on ``cryptography``. Sans-IO.

Only the two algorithms a pass may use are understood; anything else (``none``, HS256, RS256,
...) is refused by name, so a forged header cannot pick a weaker check. ES256 signatures are
the raw 64-byte ``r || s`` that JWS prescribes, not the DER that ``cryptography`` speaks.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from edge.verify.community_pass.errors import TokenFormatError

Alg = Literal["ES256", "EdDSA"]
ALGS: tuple[Alg, ...] = ("ES256", "EdDSA")
PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_ES256_HALF = 32
# Header and payload are a few dozen bytes; a bound keeps hostile input cheap to refuse.
MAX_PART_CHARS = 2048


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, part: str) -> bytes:
    # urlsafe_b64decode silently drops characters outside the alphabet; a pass must not.
    if len(text) > MAX_PART_CHARS or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise TokenFormatError(part, "not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenFormatError(part, "not base64url") from None


def json_object(data: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenFormatError(part, "not JSON") from None
    if not isinstance(value, dict):
        raise TokenFormatError(part, "not a JSON object")
    return value


def compact_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class CompactJws:
    """A split, decoded, not yet verified compact JWS."""

    alg: str  # as the header claims it; checked against the key before use
    kid: str
    payload: bytes
    signing_input: bytes
    signature: bytes


def parse_compact(text: str) -> CompactJws:
    """Split and decode ``header.payload.signature``. Raises :class:`TokenFormatError`."""
    parts = text.split(".")
    if len(parts) != 3:
        raise TokenFormatError("jws", "not three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    header = json_object(b64url_decode(header_b64, "header"), "header")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
        raise TokenFormatError("header", "alg or kid missing")
    if "crit" in header:
        # RFC 7515 4.1.11: extensions we do not understand must make the JWS invalid.
        raise TokenFormatError("header", "critical extensions are not supported")
    return CompactJws(
        alg=alg,
        kid=kid,
        payload=b64url_decode(payload_b64, "payload"),
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=b64url_decode(signature_b64, "signature"),
    )


def alg_of_key(key: PublicKey | PrivateKey) -> Alg | None:
    """The JWS algorithm a key is for, or None for a key a pass may not use (P-384, ...)."""
    if isinstance(key, Ed25519PublicKey | Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    return None


def sign_compact(key: PrivateKey, *, kid: str, payload: bytes) -> str:
    alg = alg_of_key(key)
    if alg is None:
        raise ValueError("only Ed25519 and P-256 keys sign passes")
    header = b64url_encode(compact_json({"alg": alg, "kid": kid}))
    signing_input = f"{header}.{b64url_encode(payload)}"
    if isinstance(key, Ed25519PrivateKey):
        signature = key.sign(signing_input.encode("ascii"))
    else:
        r, s = decode_dss_signature(
            key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        )
        signature = r.to_bytes(_ES256_HALF, "big") + s.to_bytes(_ES256_HALF, "big")
    return f"{signing_input}.{b64url_encode(signature)}"


def signature_ok(key: PublicKey, jws: CompactJws) -> bool:
    """True when ``jws`` is signed by ``key``. The caller has matched ``jws.alg`` to the key."""
    try:
        if isinstance(key, Ed25519PublicKey):
            key.verify(jws.signature, jws.signing_input)
            return True
        if len(jws.signature) != 2 * _ES256_HALF:
            return False
        r = int.from_bytes(jws.signature[:_ES256_HALF], "big")
        s = int.from_bytes(jws.signature[_ES256_HALF:], "big")
        key.verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
