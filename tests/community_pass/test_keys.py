"""Key rings from PEM files, directories and JWKS; key generation."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from edge.verify.community_pass import (
    CommunityPassVerifier,
    KeyFileError,
    KeyRing,
    generate_keypair,
    keygen,
    load_private_key,
)
from tests.community_pass.conftest import NOW, Signer


def test_ring_from_a_pem_file_uses_the_file_name_as_kid(signer: Signer, tmp_path: Path) -> None:
    ring = KeyRing.from_paths([signer.write_public(tmp_path)])
    assert ring.kids == (signer.kid,)
    assert CommunityPassVerifier(ring).verify(signer.issue(), at=NOW).valid


def test_ring_from_a_directory(ed25519: Signer, es256: Signer, tmp_path: Path) -> None:
    ed25519.write_public(tmp_path)
    es256.write_public(tmp_path)
    (tmp_path / "README.txt").write_text("ignored")
    ring = KeyRing.from_paths([tmp_path])
    assert set(ring.kids) == {ed25519.kid, es256.kid}
    verifier = CommunityPassVerifier(ring)
    assert verifier.verify(ed25519.issue(), at=NOW).valid
    assert verifier.verify(es256.issue(), at=NOW).valid


def test_ring_from_jwks_round_trips(ed25519: Signer, es256: Signer, tmp_path: Path) -> None:
    ring = KeyRing.from_paths([ed25519.write_public(tmp_path), es256.write_public(tmp_path)])
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps(ring.to_jwks()))
    loaded = KeyRing.from_paths([jwks])
    assert loaded.kids == ring.kids
    assert CommunityPassVerifier(loaded).verify(es256.issue(), at=NOW).valid
    assert CommunityPassVerifier(loaded).verify(ed25519.issue(), at=NOW).valid


def test_private_key_where_a_public_one_belongs_is_refused(signer: Signer, tmp_path: Path) -> None:
    path = signer.write_private(tmp_path)
    with pytest.raises(KeyFileError, match="private key") as info:
        KeyRing.from_paths([path])
    assert info.value.path == path


def test_same_kid_twice_is_refused(signer: Signer, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(KeyFileError, match="twice"):
        KeyRing.from_paths(
            [signer.write_public(tmp_path / "a"), signer.write_public(tmp_path / "b")]
        )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("x.pub.pem", b"hello", "not a PEM public key"),
        ("x.json", b"{", "not JSON"),
        ("x.json", b'{"keys": {}}', "expected"),
        ("x.json", b'{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]}', "kid missing"),
        ("x.json", b'{"keys": [{"kid": "k", "kty": "OKP", "crv": "Ed25519", "x": "AA"}]}', "x/y"),
        ("x.json", b'{"keys": [{"kid": "k", "kty": "RSA", "n": "AA", "e": "AQAB"}]}', "only"),
        (
            "x.json",
            b'{"keys": [{"kid": "k", "kty": "EC", "crv": "P-256", "x": "AQ", "y": "AQ"}]}',
            "x/y",
        ),
    ],
)
def test_bad_key_files_name_the_file(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(KeyFileError, match=message) as info:
        KeyRing.from_paths([path])
    assert info.value.path == path


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="No such file"):
        KeyRing.from_paths([tmp_path / "nope.pem"])
    with pytest.raises(KeyFileError, match=r"no \*\.pem"):
        KeyRing.from_paths([tmp_path])


def test_p384_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "p384.pub.pem").write_bytes(pem)
    with pytest.raises(KeyFileError, match="P-256"):
        KeyRing.from_paths([tmp_path / "p384.pub.pem"])


@pytest.mark.parametrize("alg", ["ES256", "Ed25519", "EdDSA"])
def test_generate_keypair(alg: str) -> None:
    private_pem, public_pem = generate_keypair(alg, "k1")
    assert b"PRIVATE KEY" in private_pem and b"PUBLIC KEY" in public_pem


def test_generate_keypair_refuses_bad_alg_and_kid() -> None:
    with pytest.raises(KeyFileError, match="ES256 or Ed25519"):
        generate_keypair("RS256", "k1")
    with pytest.raises(KeyFileError, match="kid"):
        generate_keypair("ES256", "has space")


def test_keygen_writes_a_private_file_only_the_owner_can_read(tmp_path: Path) -> None:
    private_path, public_path = keygen("ES256", "wc-2026", tmp_path / "keys")
    assert private_path.name == "wc-2026.key.pem" and public_path.name == "wc-2026.pub.pem"
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    load_private_key(private_path)
    assert KeyRing.from_paths([public_path]).kids == ("wc-2026",)
    with pytest.raises(KeyFileError, match="already exists"):
        keygen("ES256", "wc-2026", tmp_path / "keys")


def test_load_private_key_errors(tmp_path: Path, signer: Signer) -> None:
    with pytest.raises(KeyFileError, match="not an unencrypted PEM private key"):
        load_private_key(signer.write_public(tmp_path))
    with pytest.raises(KeyFileError, match="No such file"):
        load_private_key(tmp_path / "none.pem")
