"""ECDSA signatures as JWS and COSE carry them (raw ``r || s``) and as ``cryptography`` wants
them (DER). One place converts, so no caller gets the lengths or the byte order wrong."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

P256_HALF = 32  # bytes of r and of s on P-256


def raw_to_der(signature: bytes, half: int = P256_HALF) -> bytes | None:
    """``r || s`` as DER, or None when ``signature`` is not ``2 * half`` bytes."""
    if len(signature) != 2 * half:
        return None
    r = int.from_bytes(signature[:half], "big")
    s = int.from_bytes(signature[half:], "big")
    return encode_dss_signature(r, s)


def der_to_raw(der: bytes, half: int = P256_HALF) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(half, "big") + s.to_bytes(half, "big")


def sign_p256(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """An ES256 signature of ``data``, raw ``r || s``."""
    return der_to_raw(key.sign(data, ec.ECDSA(hashes.SHA256())))


def verify_p256(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` (raw ``r || s``) is ``key``'s ES256 signature of ``data``."""
    der = raw_to_der(signature)
    if der is None or not isinstance(key.curve, ec.SECP256R1):
        return False
    try:
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
