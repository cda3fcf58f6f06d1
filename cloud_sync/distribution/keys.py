"""The centre's public keys a gateway trusts, by kid: a small set, so that keys can be rotated.

Rotation: add the new key to every gateway's configuration, start signing with it, then remove
the old one. Keys come from PEM files (the kid is the file name without ``.pub.pem`` / ``.pem``)
or directories of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.crypto.jws import PrivateKey, PublicKey, alg_of_key


class CentreKeyError(ValueError):
    """A key file that cannot be used; the text names it and says why."""


def kid_of(path: Path) -> str:
    return path.name.removesuffix(".pem").removesuffix(".pub").removesuffix(".key")


def public_key_from_pem(data: bytes, source: str) -> PublicKey:
    if b"PRIVATE KEY" in data:
        raise CentreKeyError(f"{source}: is a private key; a gateway needs only the public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise CentreKeyError(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey | ec.EllipticCurvePublicKey) or not alg_of_key(key):
        raise CentreKeyError(f"{source}: not an Ed25519 or P-256 public key")
    return key


def private_key_from_pem(data: bytes, source: str) -> PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise CentreKeyError(f"{source}: not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey) or not alg_of_key(key):
        raise CentreKeyError(f"{source}: not an Ed25519 or P-256 private key")
    return key


class CentreKeys:
    """Public keys by kid; immutable."""

    __slots__ = ("_keys",)

    def __init__(self, keys: Mapping[str, PublicKey] | None = None) -> None:
        self._keys = dict(keys or {})

    def get(self, kid: str) -> PublicKey | None:
        return self._keys.get(kid)

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> CentreKeys:
        """Each path is a PEM public key or a directory of ``*.pem`` (:class:`CentreKeyError`)."""
        keys: dict[str, PublicKey] = {}
        for path in paths:
            files = sorted(path.glob("*.pem")) if path.is_dir() else [path]
            if path.is_dir() and not files:
                raise CentreKeyError(f"{path}: no *.pem key files in this directory")
            for file in files:
                try:
                    data = file.read_bytes()
                except OSError as exc:
                    raise CentreKeyError(f"{file}: {exc.strerror or 'cannot read'}") from None
                kid = kid_of(file)
                if kid in keys:
                    raise CentreKeyError(f"{file}: kid {kid!r} appears twice")
                keys[kid] = public_key_from_pem(data, str(file))
        return cls(keys)
