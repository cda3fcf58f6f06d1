"""Keys: the verifier's :class:`KeyRing` of public keys by kid, and key generation.

Public keys come from PEM files (the kid is the file name without ``.pub.pem`` / ``.pem``),
a directory of those, or a JWKS-like JSON file ``{"keys": [{"kid": ..., "kty": ..., ...}]}``.
A private key found where public keys are expected is refused: the gateway never holds an
issuing key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.crypto.jws import (
    Alg,
    JwsError,
    PrivateKey,
    PublicKey,
    alg_of_key,
    b64url_decode,
    b64url_encode,
)
from edge.verify.community_pass.errors import KeyFileError
from edge.verify.community_pass.token import valid_id

_ALG_NAMES: dict[str, Alg] = {"ES256": "ES256", "Ed25519": "EdDSA", "EdDSA": "EdDSA"}


def kid_of_pem_path(path: Path) -> str:
    return path.name.removesuffix(".pem").removesuffix(".pub")


class KeyRing:
    """Public keys by kid, parsed once. Immutable: build a new ring to change the keys."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Mapping[str, PublicKey] | None = None) -> None:
        self._keys: dict[str, tuple[PublicKey, Alg]] = {}
        for kid, key in (keys or {}).items():
            self._add(kid, key, None)

    def _add(self, kid: str, key: PublicKey, source: Path | None) -> None:
        alg = alg_of_key(key)
        if alg is None:
            raise KeyFileError(source, f"key {kid!r} is neither Ed25519 nor P-256")
        if not valid_id(kid):
            raise KeyFileError(source, f"kid {kid!r} must be 1-128 of A-Z a-z 0-9 . _ : @ -")
        if kid in self._keys:
            raise KeyFileError(source, f"kid {kid!r} appears twice")
        self._keys[kid] = (key, alg)

    def lookup(self, kid: str) -> tuple[PublicKey, Alg] | None:
        return self._keys.get(kid)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self.kids)

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> KeyRing:
        """Each path is a PEM file, a directory of ``*.pem``/``*.json``, or a JWKS file."""
        ring = cls()
        for path in paths:
            ring._load_path(Path(path))
        return ring

    def _load_path(self, path: Path) -> None:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".pem", ".json"))
            if not files:
                raise KeyFileError(path, "no *.pem or *.json key files in this directory")
            for file in files:
                self._load_path(file)
        elif path.suffix == ".json":
            self._load_jwks(_read(path), path)
        else:
            self._add(kid_of_pem_path(path), public_key_from_pem(_read(path), path), path)

    def _load_jwks(self, data: bytes, source: Path | None) -> None:
        try:
            document = json.loads(data)
        except ValueError:
            raise KeyFileError(source, "not JSON") from None
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise KeyFileError(source, 'expected {"keys": [...]}')
        for index, jwk in enumerate(keys):
            kid = jwk.get("kid") if isinstance(jwk, dict) else None
            if not isinstance(kid, str):
                raise KeyFileError(source, f"keys[{index}]: kid missing")
            self._add(kid, public_key_from_jwk(jwk, source, index), source)

    @classmethod
    def from_jwks(cls, data: bytes, source: Path | None = None) -> KeyRing:
        ring = cls()
        ring._load_jwks(data, source)
        return ring

    def to_jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(key, kid) for kid, (key, _) in sorted(self._keys.items())]}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(path, exc.strerror or "cannot read") from None


def public_key_from_pem(data: bytes, source: Path | None = None) -> PublicKey:
    if b"PRIVATE KEY" in data:
        raise KeyFileError(source, "is a private key; the gateway needs only the public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise KeyFileError(source, "not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey | ec.EllipticCurvePublicKey) or not alg_of_key(key):
        raise KeyFileError(source, "not an Ed25519 or P-256 public key")
    return key


def public_key_from_jwk(jwk: Mapping[str, Any], source: Path | None, index: int) -> PublicKey:
    where = f"keys[{index}]"
    try:
        kty, crv = jwk.get("kty"), jwk.get("crv")
        if kty == "OKP" and crv == "Ed25519":
            return Ed25519PublicKey.from_public_bytes(b64url_decode(str(jwk["x"]), "x"))
        if kty == "EC" and crv == "P-256":
            x = int.from_bytes(b64url_decode(str(jwk["x"]), "x"), "big")
            y = int.from_bytes(b64url_decode(str(jwk["y"]), "y"), "big")
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError, JwsError):
        raise KeyFileError(source, f"{where}: x/y missing or not a point on the curve") from None
    raise KeyFileError(source, f"{where}: only OKP/Ed25519 and EC/P-256 keys are supported")


def public_jwk(key: PublicKey, kid: str) -> dict[str, str]:
    if isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kid": kid, "kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    numbers = key.public_numbers()
    return {
        "kid": kid,
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def parse_alg(name: str) -> Alg:
    """``ES256``, ``Ed25519`` or ``EdDSA`` -> the JWS algorithm name."""
    try:
        return _ALG_NAMES[name]
    except KeyError:
        raise KeyFileError(None, f"algorithm {name!r}: use ES256 or Ed25519") from None


def generate_keypair(alg: str, kid: str) -> tuple[bytes, bytes]:
    """A new signing key: ``(private_pem, public_pem)``. ``kid`` is checked, not embedded."""
    if not valid_id(kid):
        raise KeyFileError(None, f"kid {kid!r} must be 1-128 of A-Z a-z 0-9 . _ : @ -")
    private: PrivateKey = (
        Ed25519PrivateKey.generate()
        if parse_alg(alg) == "EdDSA"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def keygen(alg: str, kid: str, out_dir: Path) -> tuple[Path, Path]:
    """Write ``KID.key.pem`` (mode 0600) and ``KID.pub.pem``; never overwrite either."""
    private_pem, public_pem = generate_keypair(alg, kid)
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / f"{kid}.key.pem", out_dir / f"{kid}.pub.pem"
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(path, "already exists; not overwriting a key")
    # O_EXCL with mode 0600 at creation: the private key is never readable by others,
    # not even for the moment between create and chmod.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def load_private_key(path: Path) -> PrivateKey:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyFileError(path, "not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey) or not alg_of_key(key):
        raise KeyFileError(path, "not an Ed25519 or P-256 private key")
    return key
