"""``issue-pass`` and ``keygen`` through their argparse registration, as the CLI calls them."""

from __future__ import annotations

import argparse
import stat
from pathlib import Path

import pytest

from edge.verify.community_pass import CommunityPassVerifier, KeyRing
from edge.verify.community_pass.command import register
from tests.community_pass.test_qr import read_qr


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edge-gateway")
    register(p.add_subparsers(dest="command", required=True))
    return p


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.mark.parametrize("alg", ["ES256", "Ed25519"])
def test_keygen_then_issue_pass_then_verify(
    alg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    assert run(["keygen", "--alg", alg, "--kid", "wc-1", "--out-dir", str(keys)]) == 0
    assert stat.S_IMODE((keys / "wc-1.key.pem").stat().st_mode) == 0o600
    capsys.readouterr()

    png, out = tmp_path / "pass.png", tmp_path / "pass.txt"
    argv = ["issue-pass", "--key", str(keys / "wc-1.key.pem"), "--kid", "wc-1"]
    argv += ["--resident", "res-42", "--status", "yellow", "--days", "7"]
    argv += ["--issuer", "willow-court", "--png", str(png), "--out-text", str(out)]
    assert run(argv) == 0
    text = capsys.readouterr().out.strip()
    assert text.startswith("CP1:")
    assert out.read_text().strip() == text
    assert read_qr(png) == [text]

    from datetime import UTC, datetime

    verdict = CommunityPassVerifier(KeyRing.from_paths([keys / "wc-1.pub.pem"])).verify(
        text, at=datetime.now(UTC)
    )
    assert verdict.valid and verdict.reason == "code yellow" and verdict.issuer == "willow-court"


def test_keygen_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["keygen", "--kid", "wc-1", "--out-dir", str(tmp_path)]
    assert run(argv) == 0
    before = (tmp_path / "wc-1.key.pem").read_bytes()
    assert run(argv) == 1
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "wc-1.key.pem").read_bytes() == before


def test_issue_pass_needs_a_key_and_a_status() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["issue-pass", "--kid", "k", "--resident", "r", "--status", "green"])
    with pytest.raises(SystemExit):
        parser().parse_args(["issue-pass", "--key", "k.pem", "--kid", "k", "--resident", "r"])


def test_issue_pass_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["issue-pass", "--kid", "k", "--status", "green"]
    assert run([*base, "--key", str(tmp_path / "none.pem"), "--resident", "r"]) == 1
    assert "none.pem" in capsys.readouterr().err
    run(["keygen", "--kid", "k", "--out-dir", str(tmp_path)])
    key = str(tmp_path / "k.key.pem")
    assert run([*base, "--key", key, "--resident", "not an id"]) == 1
    assert "resident_id" in capsys.readouterr().err
    assert run([*base, "--key", key, "--resident", "r", "--days", "0"]) == 2


def test_help_texts() -> None:
    p = parser()
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            assert set(action.choices) == {"issue-pass", "keygen", "sign-status-list"}
            assert all(a.help for a in action._choices_actions)
            for sub in action.choices.values():
                assert sub.description
                assert all(a.help for a in sub._actions)
