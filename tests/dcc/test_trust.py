"""Trust lists from JSON and PEM files, replaced while running; settings build a verifier."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError

from edge.verify.dcc import DccSettings, TrustList, TrustListError, build_verifier
from edge.verify.dcc.schema import PACKAGED_SCHEMA, DccSchema
from tests.dcc.conftest import NOW, Signer


def write_json(path: Path, *signers: Signer, country: str = "XX") -> None:
    entries = [
        {
            "kid": base64.b64encode(s.kid).decode(),
            "country": country,
            "certificate": base64.b64encode(s.cert.public_bytes(Encoding.DER)).decode(),
        }
        for s in signers
    ]
    path.write_text(json.dumps(entries))


def test_json_and_pem(tmp_path: Path, es256: Signer, ps256: Signer) -> None:
    write_json(tmp_path / "list.json", es256, country="AT")
    (tmp_path / "ps.pem").write_bytes(ps256.cert.public_bytes(Encoding.PEM))
    trust = TrustList([tmp_path / "list.json", tmp_path / "ps.pem"])
    assert len(trust) == 2
    assert trust.lookup(es256.kid)[0].country == "AT"
    assert trust.lookup(ps256.kid)[0].country == "XX"  # from the certificate's subject


def test_reload_swaps_and_a_bad_file_keeps_the_old_list(
    tmp_path: Path, es256: Signer, ps256: Signer
) -> None:
    path = tmp_path / "list.json"
    write_json(path, es256)
    trust = TrustList([path])
    assert trust.lookup(es256.kid) and not trust.lookup(ps256.kid)
    write_json(path, ps256)
    os.utime(path, ns=(1, 1))  # a distinct mtime even on coarse-clock file systems
    assert trust.reload_if_changed()
    assert trust.lookup(ps256.kid) and not trust.lookup(es256.kid)
    assert not trust.reload_if_changed()
    path.write_text("[{")
    with pytest.raises(TrustListError):
        trust.reload()
    assert trust.lookup(ps256.kid)


@pytest.mark.parametrize(
    "content",
    [
        "{}",
        "[1]",
        '[{"certificate": "!!"}]',
        '[{"certificate": "AAAA", "country": "XX"}]',
        '[{"certificate": 5}]',
    ],
)
def test_bad_json_lists(tmp_path: Path, content: str) -> None:
    path = tmp_path / "list.json"
    path.write_text(content)
    with pytest.raises(TrustListError) as err:
        TrustList([path])
    assert err.value.path == path


def test_missing_and_bad_pem(tmp_path: Path) -> None:
    with pytest.raises(TrustListError):
        TrustList([tmp_path / "nope.pem"])
    (tmp_path / "bad.pem").write_text("hello")
    with pytest.raises(TrustListError):
        TrustList([tmp_path / "bad.pem"])


def test_settings_build_a_verifier(tmp_path: Path, es256: Signer) -> None:
    (tmp_path / "dsc").mkdir()
    write_json(tmp_path / "dsc" / "list.json", es256)
    settings = DccSettings.model_validate(
        {"trust_lists": ["dsc"], "rules": {"test_hours": 48}}
    ).resolved(tmp_path)
    verifier = build_verifier(settings)
    assert verifier.rules.test_hours == 48
    assert verifier.verify(es256.code(), at=NOW).valid


def test_settings_reject_nonsense() -> None:
    with pytest.raises(ValidationError):
        DccSettings.model_validate({"trust_lists": []})
    with pytest.raises(ValidationError):
        DccSettings.model_validate({"trust_lists": ["x"], "rules": {"recovery": "blue"}})
    with pytest.raises(ValidationError):
        DccSettings.model_validate({"trust_lists": ["x"], "max_inflated_bytes": 10})


def test_packaged_schema_is_the_shared_one() -> None:
    from tests.dcc.cases import SCHEMA_PATH

    if SCHEMA_PATH.exists():
        assert PACKAGED_SCHEMA.read_bytes() == SCHEMA_PATH.read_bytes()
    assert DccSchema().version == "1.3.3"
    assert PACKAGED_SCHEMA.with_name("DCC.combined-schema.LICENSE").exists()


def test_verifier_picks_up_a_replaced_file(tmp_path: Path, es256: Signer, ps256: Signer) -> None:
    path = tmp_path / "list.json"
    write_json(path, es256)
    settings = DccSettings(trust_lists=[path], trust_check_interval_s=1e-9)
    verifier = build_verifier(settings)
    assert verifier.verify(ps256.code(), at=NOW).failed_step == "trust"
    write_json(path, es256, ps256)
    os.utime(path, ns=(2, 2))
    assert verifier.verify(ps256.code(), at=NOW).valid
    path.write_text("garbage")
    os.utime(path, ns=(3, 3))
    assert verifier.verify(ps256.code(), at=NOW).valid  # the old list stays in force
