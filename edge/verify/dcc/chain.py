"""The HC1 decoding chain, one function per step, sans-IO: text/bytes in, typed values out.

``HC1:`` prefix -> Base45 -> zlib (bounded) -> COSE_Sign1 -> CWT claims -> hcert payload.
Every step raises :class:`DecodeError` naming itself (``prefix``, ``base45``, ``zlib``, ``cose``,
``cbor``); nothing else escapes, whatever the input.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import cbor2

from edge.verify.dcc.errors import DecodeError

PREFIX = "HC1:"
#: a DCC QR code holds at most ~3 kB; a generous bound on what one may inflate to
DEFAULT_MAX_INFLATED = 64 * 1024
#: real payloads nest four deep; anything far deeper is an attack on the decoder
MAX_CBOR_DEPTH = 16

COSE_SIGN1_TAG = 18
CWT_TAG = 61
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
ALG_PS256 = -37
CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_HCERT = -260
HCERT_EU_DCC = 1


@dataclass(frozen=True, slots=True)
class CoseSign1:
    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> object:
        return self.protected.get(HEADER_ALG, self.unprotected.get(HEADER_ALG))

    @property
    def kid(self) -> bytes | None:
        """The protected kid, or the unprotected one when the protected header has none."""
        kid = self.protected.get(HEADER_KID)
        if kid is None:
            kid = self.unprotected.get(HEADER_KID)
        return kid if isinstance(kid, bytes) else None

    def to_be_signed(self) -> bytes:
        return bytes(cbor2.dumps(["Signature1", self.protected_bytes, b"", self.payload]))


@dataclass(frozen=True, slots=True)
class CwtClaims:
    issuer: str | None
    issued_at: datetime | None
    expires_at: datetime | None
    dcc: dict[str, Any]


def unprefix(text: str) -> str:
    if not text.startswith(PREFIX):
        raise DecodeError("prefix", "no HC1: prefix")
    return text[len(PREFIX) :]


def inflate(data: bytes, *, max_size: int = DEFAULT_MAX_INFLATED) -> bytes:
    """zlib-inflate ``data`` to at most ``max_size`` bytes; larger output is refused unread."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_size)
        if inflater.unconsumed_tail:
            raise DecodeError("zlib", f"inflates to more than {max_size} bytes")
        out += inflater.flush(1)  # never grows the output: the bound above already held
    except zlib.error as exc:
        raise DecodeError("zlib", f"not zlib data: {exc}") from exc
    if not inflater.eof:
        raise DecodeError("zlib", "truncated zlib stream")
    if inflater.unused_data:
        raise DecodeError("zlib", "bytes after the end of the zlib stream")
    return out


def _refuse_shared_reference(decoder: Any) -> Any:
    raise cbor2.CBORDecodeError("shared references (tags 28/29) are not allowed")


# Shared references let 6 bytes build a structure that contains itself: nothing a DCC needs,
# and a cycle would send every later walk over the payload round for ever.
_SEMANTIC_DECODERS = {28: _refuse_shared_reference, 29: _refuse_shared_reference}


def loads_cbor(data: bytes, step: str) -> Any:
    try:
        return cbor2.loads(data, max_depth=MAX_CBOR_DEPTH, semantic_decoders=_SEMANTIC_DECODERS)
    except Exception as exc:  # cbor2 raises assorted types on hostile input; all mean "bad CBOR"
        raise DecodeError(step, f"{type(exc).__name__}: {str(exc)[:120]}") from exc


def parse_cose(data: bytes) -> CoseSign1:
    """COSE_Sign1, tagged 18, untagged, or tagged 61 (CWT) around tagged 18."""
    obj = loads_cbor(data, "cose")
    if isinstance(obj, cbor2.CBORTag) and obj.tag == CWT_TAG:
        obj = obj.value
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise DecodeError("cose", f"unexpected CBOR tag {obj.tag}")
        obj = obj.value
    if not isinstance(obj, list | tuple) or len(obj) != 4:
        raise DecodeError("cose", "not a four-element COSE_Sign1 array")
    protected_bytes, unprotected, payload, signature = obj
    if not isinstance(protected_bytes, bytes):
        raise DecodeError("cose", "protected header is not a byte string")
    if not isinstance(unprotected, Mapping):
        raise DecodeError("cose", "unprotected header is not a map")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise DecodeError("cose", "payload or signature is not a byte string")
    protected = loads_cbor(protected_bytes, "cose") if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise DecodeError("cose", "protected header is not a map")
    return CoseSign1(protected_bytes, dict(protected), dict(unprotected), payload, signature)


def parse_claims(payload: bytes) -> CwtClaims:
    claims = loads_cbor(payload, "cbor")
    if not isinstance(claims, Mapping):
        raise DecodeError("cbor", "CWT payload is not a map")
    hcert = claims.get(CLAIM_HCERT)
    if not isinstance(hcert, Mapping) or not isinstance(hcert.get(HCERT_EU_DCC), Mapping):
        raise DecodeError("cbor", "no hcert -260 -> 1 map")
    iss = claims.get(CLAIM_ISS)
    return CwtClaims(
        issuer=iss if isinstance(iss, str) else None,
        issued_at=_epoch(claims.get(CLAIM_IAT), "iat"),
        expires_at=_epoch(claims.get(CLAIM_EXP), "exp"),
        dcc=thaw(hcert[HCERT_EU_DCC], MAX_CBOR_DEPTH),
    )


def _epoch(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DecodeError("cbor", f"{name} is not a number")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise DecodeError("cbor", f"{name} out of range") from exc


def thaw(value: Any, depth: int) -> Any:
    """Plain dicts and lists (cbor2 returns frozendicts and tuples inside tags), at most
    ``depth`` levels deep: the decoder's depth limit does not count every container kind."""
    if isinstance(value, Mapping | list | tuple) and depth <= 0:
        raise DecodeError("cbor", "payload nested too deeply")
    if isinstance(value, Mapping):
        return {k: thaw(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v, depth - 1) for v in value]
    return value


def to_json(value: Any) -> Any:
    """The CBOR payload as JSON values (for the schema and for comparing with test data)."""
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, str) else k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, cbor2.CBORTag):
        return to_json(value.value)
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
