"""``edge-gateway verify-code`` verifies every format the gateway does, and says which it found."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.cli import main
from edge.demo.workspace import LanePorts, Workspace, make_workspace
from edge.verify.community_pass import issue_pass, keygen, load_private_key, sign_status_list

BIN = Path(sys.executable).parent
KID = "willow-2026"
PASS_WORDS = "community pass (CP1:)"
DCC_WORDS = "EU Digital COVID Certificate (HC1:)"


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["verify-code", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(
        tmp_path / "ws",
        [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")],
        web_port=0,
    )


def test_issue_pass_then_verify_code_as_a_newcomer_would(tmp_path: Path) -> None:
    """The report: a pass from issue-pass came back 'damaged code', labelled eu-dcc."""

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "edge-gateway"), *argv], capture_output=True, text=True, timeout=60
        )

    made = run("keygen", "--kid", KID, "--out-dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    issued = run(
        "issue-pass",
        *("--key", str(tmp_path / f"{KID}.key.pem"), "--kid", KID),
        *("--resident", "r-0001", "--status", "green"),
    )
    assert issued.returncode == 0, issued.stderr
    text = issued.stdout.strip()
    without_key = run("verify-code", text)
    assert without_key.returncode == 2
    assert "this is a community pass (CP1:)" in without_key.stderr
    assert "--pass-key" in without_key.stderr
    verified = run("verify-code", text, "--pass-key", str(tmp_path / f"{KID}.pub.pem"))
    assert verified.returncode == 0, verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["format"] == PASS_WORDS and verdict["code_type"] == "community-pass"
    assert verdict["valid"] is True and verdict["status"] == "green"
    assert verdict["key_id"] == KID and verdict["colour_from"] == "pass"
    assert "r-0001" not in verified.stdout  # the resident id is personal


def test_a_community_pass_with_its_status_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keygen("Ed25519", KID, tmp_path)
    key = load_private_key(private)
    common = {"kid": KID, "resident_id": "r-7", "issuer": "willow", "valid_for": timedelta(days=30)}
    red = issue_pass(key, status="green", pass_id="turned-red", **common)
    revoked = issue_pass(key, status="green", pass_id="revoked-1", **common)
    status_list = tmp_path / "status-list.json"
    status_list.write_bytes(
        sign_status_list(
            key, kid=KID, entries={"turned-red": "red", "revoked-1": "revoked"}, issuer="willow"
        )
    )
    keys = ("--pass-key", str(public), "--status-list", str(status_list))

    code, verdict, _ = verify(capsys, red, *keys, "--show-personal")
    assert code == 0
    assert (verdict["status"], verdict["colour_from"]) == ("red", "status-list")
    assert verdict["personal"] == {"resident_id": "r-7"}
    code, verdict, _ = verify(capsys, revoked, *keys)
    assert code == 1
    assert (verdict["failed_step"], verdict["reason"]) == ("status", "code revoked")
    forged = issue_pass(
        load_private_key(keygen("Ed25519", KID, tmp_path / "forger")[0]),
        status="green",
        **common,
    )
    code, verdict, _ = verify(capsys, forged, *keys)
    assert code == 1 and verdict["format"] == PASS_WORDS
    assert verdict["failed_step"] == "signature"


def test_with_a_gateway_configuration_both_formats_are_verified(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ("--config", str(workspace.config))
    code, verdict, _ = verify(capsys, workspace.issuer.issue("r-1", "yellow"), *config)
    assert code == 0
    assert (verdict["format"], verdict["status"]) == (PASS_WORDS, "yellow")
    code, verdict, _ = verify(capsys, workspace.issuer.eu_dcc("v"), *config)
    assert code == 0
    assert verdict["format"] == DCC_WORDS and verdict["code_type"] == "eu-dcc"
    assert verdict["type"] == "vaccination" and verdict["issuer_country"] == "XX"
    code, verdict, _ = verify(capsys, workspace.issuer.issue("r-1", "green", forged=True), *config)
    assert code == 1 and verdict["failed_step"] == "signature"
    code, verdict, _ = verify(capsys, "hello", *config)
    assert code == 1
    assert verdict["format"].startswith("unknown") and verdict["code_type"] == "unknown"
    assert verdict["reason"] == "unknown code format: scan again"


def test_a_format_the_configuration_does_not_accept(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    text = workspace.config.read_text()
    start = text.index("[verifiers.eu_dcc]")
    end = text.index("[web]")
    workspace.config.write_text(text[:start] + text[end:])
    code, verdict, err = verify(
        capsys, workspace.issuer.eu_dcc("v"), "--config", str(workspace.config)
    )
    assert code == 1
    assert verdict["format"] == DCC_WORDS and verdict["code_type"] == "unknown"
    assert "does not verify this format" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["HC1:NCFOXN"], "give a trust list of signer certificates with --trust FILE"),
        (["CP1:x", "--pass-key", "/nonexistent.pub.pem"], "/nonexistent.pub.pem"),
        (["CP1:x", "--config", "x.toml", "--pass-key", "k.pem"], "not both"),
        (["CP1:x", "--config", "/nonexistent.toml"], "/nonexistent.toml: file not found"),
    ],
)
def test_usage_errors_say_what_to_give(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, verdict, err = verify(capsys, *argv)
    assert code == 2 and verdict == {}
    assert err.startswith("verify-code: ") and message in err, err
