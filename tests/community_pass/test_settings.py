"""``CommunityPassSettings`` as the gateway configuration embeds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.verify.base import CodeStatus
from edge.verify.community_pass import CommunityPassSettings, build_verifier
from tests.community_pass.conftest import NOW, Signer


def test_settings_build_a_working_verifier(signer: Signer, tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    signer.write_public(tmp_path / "keys")
    (tmp_path / "status-list.json").write_text('{"entries": {"pass-0001": "red"}}')
    settings = CommunityPassSettings.model_validate(
        {"public_keys": ["keys"], "status_list": "status-list.json", "clock_skew_s": 30}
    ).resolved(tmp_path)
    assert settings.public_keys == [tmp_path / "keys"]
    verdict = build_verifier(settings).verify(signer.issue(), at=NOW)
    assert verdict.valid and verdict.status is CodeStatus.RED


def test_public_keys_have_no_default_and_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        CommunityPassSettings.model_validate({})
    with pytest.raises(ValidationError):
        CommunityPassSettings.model_validate({"public_keys": []})
    with pytest.raises(ValidationError):
        CommunityPassSettings.model_validate({"public_keys": ["a.pem"], "private_key": "b"})


def test_example_config_section_validates() -> None:
    """The section shape used in config/gateway.example.toml."""
    settings = CommunityPassSettings.model_validate(
        {"public_keys": ["keys/community-pass.pub.pem"], "status_list": "status-list.json"}
    )
    assert settings.clock_skew_s == 120.0 and not settings.status_list_signed
