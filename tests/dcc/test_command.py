"""``edge-gateway verify-code`` through its own parser: output, exit codes, privacy."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
import segno
from cryptography.hazmat.primitives.serialization import Encoding

from edge.commands import verify_code as command
from tests.dcc.conftest import NOW, Signer


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="edge-gateway")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["verify-code", *argv])
    code = args.func(args)
    captured = capsys.readouterr()
    if not captured.out.strip():
        return code, {"stderr": captured.err}
    return code, json.loads(captured.out)


@pytest.fixture
def trust(tmp_path: Path, es256: Signer) -> Path:
    path = tmp_path / "dsc.pem"
    path.write_bytes(es256.cert.public_bytes(Encoding.PEM))
    return path


def test_valid_code(trust: Path, es256: Signer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run([es256.code(), "--trust", str(trust), "--at", NOW.isoformat()], capsys)
    assert code == 0
    assert out["valid"] is True and out["type"] == "vaccination"
    assert out["issuer_country"] == "XX" and out["failed_step"] is None
    assert "personal" not in out
    assert "TEST0001" not in json.dumps(out) and "Muster" not in json.dumps(out)


def test_show_personal(trust: Path, es256: Signer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(
        [es256.code(), "--trust", str(trust), "--at", "2024-03-01T12:00:00", "--show-personal"],
        capsys,
    )
    assert code == 0
    assert out["personal"] == {
        "family_name": "Muster",
        "given_name": "Erika",
        "date_of_birth": "1964-08-12",
        "certificate_id": "URN:UVCI:01:XX:TEST0001",
    }


def test_invalid_code_exit_1(
    trust: Path, es256: Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["HC1:!!", "--trust", str(trust)], capsys)
    assert (code, out["valid"], out["failed_step"]) == (1, False, "base45")
    assert out["reason"] == "not a valid health certificate (damaged code)"
    code, out = run([es256.code(), "--trust", str(trust), "--at", "2030-01-01T00:00Z"], capsys)
    assert (code, out["failed_step"], out["reason"]) == (1, "expiry", "certificate expired")


def test_stdin(
    trust: Path, es256: Signer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(es256.code() + "\n"))
    code, _ = run(["-", "--trust", str(trust), "--at", NOW.isoformat()], capsys)
    assert code == 0


def test_image(
    tmp_path: Path, trust: Path, es256: Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "code.png"
    segno.make(es256.code(), error="q", mode="alphanumeric").save(png, scale=4)
    code, out = run(["--image", str(png), "--trust", str(trust), "--at", NOW.isoformat()], capsys)
    assert (code, out["valid"]) == (0, True)


@pytest.mark.parametrize(
    "argv",
    [
        [],  # no code at all
        ["HC1:x", "--at", "yesterday"],
        ["HC1:x", "--image", "x.png"],
        ["--image", "/nonexistent.png"],
        ["HC1:x", "--trust", "/nonexistent.json"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(argv, capsys)
    assert code == 2
    assert str(out["stderr"]).startswith("verify-code: ")


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["--bogus"], capsys)
    assert exc.value.code == 2
