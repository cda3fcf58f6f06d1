"""``edge-gateway check-config``: a usable file says OK; each problem names file and key."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest

from edge.cli import main
from edge.config import ConfigError, load_config
from edge.config.files import missing_files, path_settings
from edge.demo.workspace import LanePorts, make_workspace

CONFIG_DIR = Path(__file__).parents[2] / "config"


def workspace(tmp_path: Path) -> Path:
    ws = make_workspace(
        tmp_path, [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")], web_port=0
    )
    return ws.config


def test_the_example_configuration_is_valid() -> None:
    config = load_config(CONFIG_DIR / "gateway.example.toml")
    assert config.gateway.id == "willow-court"
    assert [d.id for d in config.devices] == ["north-thermometer", "north-scanner"]
    assert config.checkpoint.policy_file == CONFIG_DIR / "policy.toml"


def test_check_config_accepts_a_good_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = workspace(tmp_path)
    assert main(["check-config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert f"{cfg}: OK" in out and "2 health-code verifier(s)" in out


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            "pairing_window_s = 8.0",
            "pairing_window_s = -1",
            "checkpoint.lanes[0].pairing_window_s",
            "greater than 0",
        ),
        (
            'protocol = "ascii-braces"',
            'protocol = "ir-magic"',
            "devices[0].protocol",
            "unknown device protocol",
        ),
        ("[storage]", "[storage]\nretention_dayz = 3", "storage.retention_dayz", "unknown key"),
        (
            'options = { suffix = "CR", aim = true }',
            'options = { suffix = "TAB" }',
            "devices[1].options.suffix",
            "",
        ),
        (
            'lane = "gate"\nkind = "scanner"',
            'lane = "nowhere"\nkind = "scanner"',
            "",
            "names lane 'nowhere'",
        ),
        ('users_file = "users.toml"\n', "", "web.users_file", "no staff accounts"),
    ],
)
def test_each_problem_names_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, key: str, message: str
) -> None:
    cfg = workspace(tmp_path)
    text = cfg.read_text()
    assert old in text
    cfg.write_text(text.replace(old, new, 1))
    assert main(["check-config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert str(cfg) in err or "users" in err
    assert key in err and message in err, err


def test_bad_policy_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = workspace(tmp_path)
    (tmp_path / "policy.toml").write_text("fever_threshold_c = 'warm'\n")
    assert main(["check-config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'policy.toml'}: fever_threshold_c:" in err


def test_missing_public_key_is_a_config_error(tmp_path: Path) -> None:
    cfg = workspace(tmp_path)
    (tmp_path / "keys" / "demo-community-2026.pub.pem").unlink()
    with pytest.raises(ConfigError, match=r"verifiers\.community_pass"):
        from edge.runtime.assembly import check_everything

        check_everything(cfg)


def test_not_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "gateway.toml"
    bad.write_text("[gateway\nid=")
    assert main(["check-config", str(bad)]) == 1
    assert "not valid TOML" in capsys.readouterr().err


def test_every_missing_file_is_reported_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = workspace(tmp_path)
    for name in ("keys/demo-community-2026.pub.pem", "status-list.json", "users.toml"):
        (tmp_path / name).unlink()
    (tmp_path / "session.key").unlink()
    (tmp_path / "policy.toml").unlink()
    assert main(["check-config", str(cfg)]) == 1
    err = capsys.readouterr().err
    for key, how in (
        ("checkpoint.policy_file", "config/policy.toml"),
        ("verifiers.community_pass.public_keys[0]", "edge-gateway keygen"),
        ("verifiers.community_pass.status_list", "edge-gateway sign-status-list"),
        ("web.users_file", "edge-gateway hash-password"),
        ("web.session_secret_file", "random bytes"),
    ):
        line = next((ln for ln in err.splitlines() if f"{cfg}: {key}: " in ln), None)
        assert line is not None, f"{key} not reported:\n{err}"
        assert "does not exist" in line and how in line, line
    assert len(err.strip().splitlines()) == 5


def test_the_example_names_its_four_files_at_once_and_passes_once_they_are_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer's first try: copy the example, check it, make what it asks for, check again."""
    cfg = tmp_path / "gateway.toml"
    text = (CONFIG_DIR / "gateway.example.toml").read_text()
    # The two absolute paths, under /var/lib, moved into the test's folder.
    cfg.write_text(text.replace("/var/lib/edge-gateway", str(tmp_path / "var")))
    (tmp_path / "policy.toml").write_text((CONFIG_DIR / "policy.toml").read_text())
    assert main(["check-config", str(cfg)]) == 1
    err = capsys.readouterr().err
    reported = [line.split(": ")[1] for line in err.strip().splitlines()]
    assert sorted(reported) == [
        "verifiers.community_pass.public_keys[0]",
        "verifiers.community_pass.status_list",
        "web.session_secret_file",
        "web.users_file",
    ]
    # Each made as its message says.
    assert main(["keygen", "--kid", "community-pass", "--out-dir", str(tmp_path / "keys")]) == 0
    key = tmp_path / "keys" / "community-pass.key.pem"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    out = str(tmp_path / "status-list.json")
    assert main(["sign-status-list", str(empty), "--key", str(key), "--kid", "community-pass",
                 "--out", out]) == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["hash-password"]) == 0
    password_hash = capsys.readouterr().out.strip().splitlines()[-1]
    (tmp_path / "users.toml").write_text(
        f'[[users]]\nusername = "li"\nrole = "supervisor"\npassword_hash = "{password_hash}"\n'
    )
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "session.key").write_text(secrets.token_hex(32))
    assert main(["check-config", str(cfg)]) == 0, capsys.readouterr().err
    assert f"{cfg}: OK" in capsys.readouterr().out


def test_missing_files_lists_paths_at_any_depth(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path))
    keys = dict(path_settings(config))
    assert keys["checkpoint.policy_file"] == tmp_path / "policy.toml"
    assert keys["verifiers.community_pass.public_keys[0]"].name == "demo-community-2026.pub.pem"
    assert keys["web.users_file"] == tmp_path / "users.toml"
    assert "gateway.data_dir" in keys  # a folder the gateway makes: never reported missing
    assert missing_files(config) == []


def test_files_the_gateway_makes_itself_are_not_missing(tmp_path: Path) -> None:
    cfg = workspace(tmp_path)
    cfg.write_text(
        cfg.read_text() + '\n[community]\nvisitor_key_file = "made-on-first-run.key.pem"\n'
    )
    config = load_config(cfg)
    assert not (tmp_path / "made-on-first-run.key.pem").exists()
    assert missing_files(config) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("centre_keys", '["centre.pub.pem"]'), ("centre_public_key_file", '"centre.pub.pem"')],
)
def test_a_centre_key_that_is_no_key_is_found_before_the_uplink_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str
) -> None:
    """A technician's check, not a failure of the running uplink hours later."""
    cfg = workspace(tmp_path)
    (tmp_path / "centre.pub.pem").write_text("not a key\n")
    cfg.write_text(
        cfg.read_text() + '\n[uplink]\nbroker_host = "127.0.0.1"\ngateway_id = "demo-gateway"\n'
        f'hmac_key_file = "hmac.key"\n{key} = {value}\n'
    )
    assert main(["check-config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert f"uplink.{key}: " in err and "centre.pub.pem" in err, err
