"""The status list changes a pass's colour after issue, without a restart."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from edge.verify.base import CodeStatus
from edge.verify.community_pass import (
    CommunityPassVerifier,
    PassState,
    StatusList,
    StatusListError,
    sign_status_list,
)
from tests.community_pass.conftest import NOW, Signer


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write_atomically(path: Path, data: bytes) -> None:
    # How an operator's tool or the API should write it: readers never see half a file.
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def plain(entries: dict[str, str], **extra: object) -> bytes:
    return json.dumps({"entries": entries, **extra}).encode()


def test_status_list_colour_replaces_the_signed_colour(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(plain({"pass-0001": "red"}))
    verifier = CommunityPassVerifier(signer.ring(), StatusList(path))
    verdict = verifier.verify(signer.issue(status="green"), at=NOW)
    assert verdict.valid and verdict.status is CodeStatus.RED and verdict.reason == "code red"
    assert verdict.details["status_source"] == "status-list"
    assert verdict.details["signed_status"] == "green"
    other = verifier.verify(signer.issue(pass_id="pass-0002"), at=NOW)
    assert other.status is CodeStatus.GREEN and other.details["status_source"] == "pass"


def test_revoked_pass_is_refused(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(plain({"pass-0001": "revoked"}))
    verdict = CommunityPassVerifier(signer.ring(), StatusList(path)).verify(signer.issue(), at=NOW)
    assert not verdict.valid
    assert (verdict.failed_step, verdict.reason) == ("status", "code revoked")
    assert verdict.subject == "res-7f3a"


def test_file_rewrite_is_seen_by_the_next_verify(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(plain({}))
    clock = FakeMonotonic()
    verifier = CommunityPassVerifier(
        signer.ring(), StatusList(path, check_interval_s=1.0, monotonic=clock)
    )
    text = signer.issue(status="green")
    assert verifier.verify(text, at=NOW).status is CodeStatus.GREEN

    write_atomically(path, plain({"pass-0001": "red"}))
    clock.now += 0.5  # within the interval: no stat, the old list stands
    assert verifier.verify(text, at=NOW).status is CodeStatus.GREEN
    clock.now += 0.6
    assert verifier.verify(text, at=NOW).status is CodeStatus.RED

    write_atomically(path, plain({"pass-0001": "yellow"}))
    clock.now += 1.1
    assert verifier.verify(text, at=NOW).status is CodeStatus.YELLOW


def test_in_place_rewrite_with_real_clock(signer: Signer, tmp_path: Path) -> None:
    """Same inode, same size: the modification time alone gives the change away."""
    path = tmp_path / "status-list.json"
    path.write_bytes(b'{"entries": {"pass-0001": "green"}}')
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    verifier = CommunityPassVerifier(signer.ring(), StatusList(path, check_interval_s=0.0))
    assert verifier.verify(signer.issue(), at=NOW).status is CodeStatus.GREEN
    path.write_bytes(b'{"entries": {"pass-0001": "red"  }}')
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    assert verifier.verify(signer.issue(), at=NOW).status is CodeStatus.RED


def test_explicit_reload(tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(plain({"a": "red"}))
    status = StatusList(path, check_interval_s=3600)
    status.lookup("a")
    path.write_bytes(plain({"a": "yellow", "b": "revoked"}))
    assert status.lookup("a") is PassState.RED  # not checked again for an hour
    assert status.reload() == 2
    assert status.lookup("a") is PassState.YELLOW
    assert status.lookup("b") is PassState.REVOKED
    assert status.lookup("c") is None


def test_replace_puts_a_mapping_in_force_at_once() -> None:
    status = StatusList()
    status.replace({"a": "red", "b": "green"})
    assert status.lookup("a") is PassState.RED and status.lookup("b") is PassState.GREEN
    with pytest.raises(StatusListError, match="blue"):
        status.replace({"a": "yellow", "c": "blue"})
    assert status.lookup("a") is PassState.RED  # a bad mapping changes nothing


def test_snapshot_entries_are_read_only() -> None:
    status = StatusList()
    status.replace({"a": "red"})
    with pytest.raises(TypeError):
        status.snapshot.entries["a"] = PassState.GREEN  # type: ignore[index]


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[]", b'{"entries": []}', b'{"entries": {"a": "blue"}}', b'{"iat": "x"}'],
)
def test_bad_file_at_start_up_is_an_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(data)
    with pytest.raises(StatusListError) as info:
        StatusList(path)
    assert info.value.path == path


def test_missing_file_at_start_up_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StatusListError, match="No such file"):
        StatusList(tmp_path / "missing.json")


def test_bad_rewrite_keeps_the_previous_list(tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(plain({"a": "red"}))
    clock = FakeMonotonic()
    status = StatusList(path, monotonic=clock)
    write_atomically(path, b'{"entries": {"a": ')
    clock.now += 2
    assert status.lookup("a") is PassState.RED
    assert status.last_error is not None and status.reload_failures == 1
    clock.now += 2
    status.lookup("a")
    assert status.reload_failures == 1  # the same bad file is reported once
    path.unlink()
    clock.now += 2
    assert status.lookup("a") is PassState.RED
    write_atomically(path, plain({"a": "green"}))
    clock.now += 2
    assert status.lookup("a") is PassState.GREEN
    assert status.last_error is None


def test_signed_status_list(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(
        sign_status_list(
            signer.key, kid=signer.kid, entries={"pass-0001": "yellow"}, issuer="wc", issued_at=NOW
        )
    )
    status = StatusList(path, keyring=signer.ring())
    assert status.snapshot.signed_by == signer.kid
    verdict = CommunityPassVerifier(signer.ring(), status).verify(signer.issue(), at=NOW)
    assert verdict.status is CodeStatus.YELLOW


def test_signed_list_required_refuses_unsigned_and_forged(
    signer: Signer, signer_factory: object, tmp_path: Path
) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(plain({"pass-0001": "green"}))
    with pytest.raises(StatusListError, match="unsigned"):
        StatusList(path, keyring=signer.ring())
    impostor = signer_factory(signer.alg, signer.kid)  # type: ignore[operator]
    path.write_bytes(
        sign_status_list(impostor.key, kid=signer.kid, entries={}, issuer="wc", issued_at=NOW)
    )
    with pytest.raises(StatusListError, match="signature invalid"):
        StatusList(path, keyring=signer.ring())
    path.write_bytes(sign_status_list(signer.key, kid="nobody", entries={}, issuer="wc"))
    with pytest.raises(StatusListError, match="unknown key"):
        StatusList(path, keyring=signer.ring())


def test_signed_list_cannot_be_rolled_back(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    new = sign_status_list(
        signer.key, kid=signer.kid, entries={"p": "revoked"}, issuer="wc", issued_at=NOW
    )
    old = sign_status_list(
        signer.key, kid=signer.kid, entries={}, issuer="wc", issued_at=NOW.replace(year=2025)
    )
    path.write_bytes(new)
    status = StatusList(path, keyring=signer.ring())
    path.write_bytes(old)
    with pytest.raises(StatusListError, match="older"):
        status.reload()
    assert status.lookup("p") is PassState.REVOKED


def test_signed_list_without_a_keyring_is_refused(signer: Signer, tmp_path: Path) -> None:
    path = tmp_path / "status-list.json"
    path.write_bytes(sign_status_list(signer.key, kid=signer.kid, entries={}, issuer="wc"))
    with pytest.raises(StatusListError, match="no keys"):
        StatusList(path)
