"""Community-pass fixtures: a signing key per algorithm, its key ring, and a pass maker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from edge.crypto.jws import PrivateKey
from edge.verify.community_pass import KeyRing, generate_keypair, issue_pass
from edge.verify.community_pass.keys import public_key_from_pem

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Signer:
    alg: str
    kid: str
    key: PrivateKey
    private_pem: bytes
    public_pem: bytes

    def ring(self) -> KeyRing:
        return KeyRing({self.kid: public_key_from_pem(self.public_pem)})

    def issue(self, **overrides: Any) -> str:
        kwargs: dict[str, Any] = {
            "kid": self.kid,
            "resident_id": "res-7f3a",
            "status": "green",
            "valid_for": timedelta(days=30),
            "issuer": "willow-court",
            "issued_at": NOW - timedelta(days=1),
            "pass_id": "pass-0001",
        }
        kwargs.update(overrides)
        return issue_pass(self.key, **kwargs)

    def write_public(self, directory: Path) -> Path:
        path = directory / f"{self.kid}.pub.pem"
        path.write_bytes(self.public_pem)
        return path

    def write_private(self, directory: Path) -> Path:
        path = directory / f"{self.kid}.key.pem"
        path.write_bytes(self.private_pem)
        return path


def make_signer(alg: str, kid: str) -> Signer:
    private_pem, public_pem = generate_keypair(alg, kid)
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert not isinstance(key, str)
    return Signer(alg, kid, key, private_pem, public_pem)  # type: ignore[arg-type]


_SIGNERS = {alg: make_signer(alg, f"wc-{alg.lower()}") for alg in ("ES256", "Ed25519")}


@pytest.fixture(params=sorted(_SIGNERS))
def signer(request: pytest.FixtureRequest) -> Signer:
    """Each test that takes ``signer`` runs once per algorithm."""
    return _SIGNERS[request.param]


@pytest.fixture
def ed25519() -> Signer:
    return _SIGNERS["Ed25519"]


@pytest.fixture
def es256() -> Signer:
    return _SIGNERS["ES256"]


@pytest.fixture
def signer_factory() -> Callable[[str, str], Signer]:
    return make_signer
