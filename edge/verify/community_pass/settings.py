"""``CommunityPassSettings``: the ``[verifiers.community_pass]`` section of the gateway config."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from edge.verify.community_pass.keys import KeyRing
from edge.verify.community_pass.status_list import StatusList
from edge.verify.community_pass.verifier import CommunityPassVerifier


class CommunityPassSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: PEM files (kid = file name without .pub.pem), directories of them, or JWKS .json files.
    #: Public keys only; there is no default, a gateway must be told whom to trust.
    public_keys: list[Path] = Field(min_length=1)
    #: JSON file of pass id -> green/yellow/red/revoked; None: the signed colour stands.
    status_list: Path | None = None
    #: accept only a status list signed by one of ``public_keys``
    status_list_signed: bool = False
    #: how far in the future a pass's issue time may be (gateway clocks drift without NTP)
    clock_skew_s: float = Field(120.0, ge=0, le=3600)
    #: how often a lookup may stat the status-list file for changes
    status_check_interval_s: float = Field(1.0, gt=0, le=3600)

    def resolved(self, base_dir: Path) -> CommunityPassSettings:
        """These settings with relative paths taken relative to ``base_dir`` (the config's)."""
        return self.model_copy(
            update={
                "public_keys": [base_dir / p for p in self.public_keys],
                "status_list": base_dir / self.status_list if self.status_list else None,
            }
        )


def build_verifier(settings: CommunityPassSettings) -> CommunityPassVerifier:
    """Load keys and status list once. Raises :class:`KeyFileError` / :class:`StatusListError`."""
    keyring = KeyRing.from_paths(settings.public_keys)
    status_list = StatusList(
        settings.status_list,
        keyring=keyring if settings.status_list_signed else None,
        check_interval_s=settings.status_check_interval_s,
    )
    return CommunityPassVerifier(keyring, status_list, clock_skew_s=settings.clock_skew_s)
