"""``edge-gateway init DIR``: one command, and the configuration works."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest

from edge.auth.passwords import verify_password
from edge.cli import main
from edge.config import load_config
from edge.config.loader import load_policy_file
from edge.config.starter_files import POLICY_TOML
from edge.verify.community_pass import KeyRing, StatusList
from edge.web.users import load_users

CONFIG_DIR = Path(__file__).parents[2] / "config"


def init(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["init", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def printed_passwords(out: str) -> dict[str, str]:
    block = out.split("Accounts", 1)[1].split("\n\n", 1)[0]
    found = re.findall(r"^  (\S+)\s+(?:staff|supervisor)\s+(\S+)$", block, re.MULTILINE)
    return dict(found)


def test_init_makes_a_configuration_that_check_config_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "Willow Court"
    code, out, err = init(capsys, str(root))
    assert code == 0, err
    config_file = root / "gateway.toml"
    assert main(["check-config", str(config_file)]) == 0
    checked = capsys.readouterr().out
    assert f"{config_file}: OK" in checked and "1 health-code verifier(s)" in checked

    config = load_config(config_file)
    assert config.gateway.id == "willow-court"  # from the folder's name
    assert config.web.port == 8080 and config.devices == []
    # The accounts printed are the accounts in the users file.
    passwords = printed_passwords(out)
    assert set(passwords) == {"staff", "supervisor"}
    accounts = load_users(root / "users.toml")
    assert {name: a.user.role for name, a in accounts.items()} == {
        "staff": "staff",
        "supervisor": "supervisor",
    }
    for name, password in passwords.items():
        assert verify_password(password, accounts[name].password_hash)
        assert password not in (root / "users.toml").read_text()
    # The gateway holds the public key only; the status list is signed with its private half.
    assert config.verifiers.community_pass is not None
    assert config.verifiers.community_pass.status_list_signed
    public_keys = list((root / "keys").iterdir())
    assert len(public_keys) == 1 and public_keys[0].name.endswith(".pub.pem")
    kid = public_keys[0].name.removesuffix(".pub.pem")
    assert kid.startswith("willow-court-")
    ring = KeyRing.from_paths(public_keys)
    statuses = StatusList(root / "status-list.json", keyring=ring)
    assert statuses.snapshot.entries == {} and statuses.snapshot.signed_by == kid
    assert (root / "issuer" / f"{kid}.key.pem").exists()
    assert f"--kid {kid}" in out and "check-config" in out


def test_secrets_are_private_and_nothing_is_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "gw"
    assert init(capsys, str(root), "--id", "gw-1")[0] == 0
    for secret in ("users.toml", "session.key", "issuer/gw-1-2026.key.pem"):
        matches = list(root.glob(secret.replace("2026", "*")))
        assert matches, secret
        assert stat.S_IMODE(matches[0].stat().st_mode) == 0o600, secret
    assert stat.S_IMODE((root / "issuer").stat().st_mode) == 0o700
    assert len((root / "session.key").read_text().strip()) >= 32

    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    code, _, err = init(capsys, str(root), "--id", "gw-1")
    assert code == 2 and "already exists" in err and "never overwrites" in err
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_devices_and_accounts_from_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("first-password\nsecond-password\n"))
    code, out, err = init(
        capsys,
        str(tmp_path / "gw"),
        "--id",
        "north",
        "--lane",
        "north-gate",
        "--port",
        "8123",
        "--thermometer",
        "/dev/ttyUSB0",
        "--thermometer-protocol",
        "gy-mcu90614",
        "--scanner",
        "usb:0C2E:0B61",
        "--staff",
        "li.wei",
        "--supervisor",
        "zhang",
        "--ask-passwords",
        "--kid",
        "north-key",
    )
    assert code == 0, err
    assert "first-password" not in out  # typed passwords are not printed back
    config = load_config(tmp_path / "gw" / "gateway.toml")
    assert config.web.port == 8123
    assert [(d.id, d.lane, d.kind) for d in config.devices] == [
        ("north-gate-thermometer", "north-gate", "thermometer"),
        ("north-gate-scanner", "north-gate", "scanner"),
    ]
    thermometer, scanner = config.devices
    assert getattr(thermometer, "protocol", None) == "gy-mcu90614"
    assert getattr(scanner, "port", None) == "usb:0C2E:0B61"
    accounts = load_users(tmp_path / "gw" / "users.toml")
    assert verify_password("first-password", accounts["li.wei"].password_hash)
    assert verify_password("second-password", accounts["zhang"].password_hash)
    assert accounts["zhang"].user.role == "supervisor"
    assert (tmp_path / "gw" / "keys" / "north-key.pub.pem").exists()


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--id", "no spaces"], "", "gateway id 'no spaces'"),
        (["--lane", "a/b"], "", "lane id 'a/b'"),
        (["--kid", "a key"], "", "key id 'a key'"),
        (["--port", "70000"], "", "port 70000"),
        (["--staff", "amy", "--supervisor", "amy"], "", "'amy' is named twice"),
        (["--ask-passwords"], "short\n", "shorter than 8 characters"),
        (["--ask-passwords"], "long-enough\n", "no password for 'supervisor'"),
    ],
)
def test_unusable_options_write_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, _, err = init(capsys, str(tmp_path / "gw"), *argv)
    assert code == 2
    assert err.startswith("init: ") and message in err, err
    assert not (tmp_path / "gw").exists() or not any((tmp_path / "gw").rglob("*"))


def test_the_policy_written_is_the_shipped_example(tmp_path: Path) -> None:
    written = tmp_path / "policy.toml"
    written.write_text(POLICY_TOML, encoding="utf-8")
    assert load_policy_file(written) == load_policy_file(CONFIG_DIR / "policy.toml")
