"""Signed policy commands (centre -> gateway): a JWS in compact form, EdDSA or ES256.

The centre signs with :func:`sign_policy`; the gateway checks with :func:`verify_policy` and
the centre's public key from its configuration. The signed payload is
``{"v": 1, "policy": {...}, "issued_at": <epoch s>, "gateway": <id or null>}``: ``issued_at``
lets a gateway refuse an older policy replayed after a newer one, ``gateway`` (optional) binds a
policy to one gateway.

CLI: ``python -m cloud_sync.policy_signing keygen KEY.pem PUB.pem`` and
``python -m cloud_sync.policy_signing sign POLICY.json KEY.pem KID`` (prints the message).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from edge.crypto import jws

TYPE = "ccg-policy+jws"
MAX_BYTES = 64 * 1024


class PolicySignatureError(Exception):
    """A policy message that cannot be trusted; ``reason`` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignedPolicy:
    policy: dict[str, Any]
    issued_at: float
    gateway: str | None
    kid: str
    alg: str
    digest: str  # sha256 of the whole message, hex: names this command in acks


def _json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_policy(
    policy: dict[str, Any],
    private_key_pem: bytes,
    kid: str,
    *,
    issued_at: float | None = None,
    gateway: str | None = None,
) -> bytes:
    """Return the message to publish on ``ccg/v1/<gw>/cmd/policy``."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey) or (
        jws.alg_of_key(key) is None
    ):
        raise PolicySignatureError("the signing key must be Ed25519 or EC P-256")
    body = {
        "v": 1,
        "policy": policy,
        "issued_at": time.time() if issued_at is None else issued_at,
        "gateway": gateway,
    }
    return jws.sign_compact(key, kid=kid, payload=_json(body), header={"typ": TYPE}).encode()


def load_public_key(pem: bytes) -> jws.PublicKey:
    key = serialization.load_pem_public_key(pem)
    if isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) and (
        jws.alg_of_key(key) is not None
    ):
        return key
    raise PolicySignatureError("the centre's key must be Ed25519 or EC P-256")


def verify_policy(message: bytes, public_key: jws.PublicKey) -> SignedPolicy:
    """Check the signature and shape; any defect raises :class:`PolicySignatureError`."""
    if len(message) > MAX_BYTES:
        raise PolicySignatureError(f"message too large ({len(message)} bytes)")
    try:
        signed = jws.parse_compact(message.decode("ascii").strip(), max_part_chars=2 * MAX_BYTES)
    except UnicodeDecodeError:
        raise PolicySignatureError("not a signed policy (JWS compact form): not ASCII") from None
    except jws.JwsError as exc:
        raise PolicySignatureError(f"not a signed policy (JWS compact form): {exc}") from None
    if signed.alg != jws.alg_of_key(public_key):
        raise PolicySignatureError(f"algorithm {signed.alg!r} does not match the centre's key")
    if signed.header.get("typ") != TYPE:
        raise PolicySignatureError(f"not a policy (typ is not {TYPE})")
    if not jws.signature_ok(public_key, signed):
        raise PolicySignatureError("bad signature")
    try:
        body = jws.json_object(signed.payload, "payload")
    except jws.JwsError as exc:
        raise PolicySignatureError(f"signed payload: {exc.reason}") from None
    policy, issued_at, gateway = body.get("policy"), body.get("issued_at"), body.get("gateway")
    if body.get("v") != 1 or not isinstance(policy, dict):
        raise PolicySignatureError("signed payload has no policy object (v1)")
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
        raise PolicySignatureError("signed payload has no issued_at")
    if gateway is not None and not isinstance(gateway, str):
        raise PolicySignatureError("signed payload has a bad gateway")
    return SignedPolicy(
        policy=policy,
        issued_at=float(issued_at),
        gateway=gateway,
        kid=signed.kid,
        alg=signed.alg,
        digest=hashlib.sha256(message).hexdigest(),
    )


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM)."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def main(argv: list[str]) -> int:
    usage = "usage: keygen PRIVATE.pem PUBLIC.pem | sign POLICY.json PRIVATE.pem KID"
    if len(argv) == 3 and argv[0] == "keygen":
        private, public = generate_keypair()
        Path(argv[1]).write_bytes(private)
        Path(argv[1]).chmod(0o600)
        Path(argv[2]).write_bytes(public)
        return 0
    if len(argv) == 4 and argv[0] == "sign":
        policy = json.loads(Path(argv[1]).read_text())
        sys.stdout.write(sign_policy(policy, Path(argv[2]).read_bytes(), argv[3]).decode() + "\n")
        return 0
    sys.stderr.write(usage + "\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
