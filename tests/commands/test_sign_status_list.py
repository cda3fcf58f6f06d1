"""``edge-gateway sign-status-list``: a CSV in, a signed list out that gateways accept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.cli import main
from edge.verify.community_pass import KeyRing, PassState, StatusList, keygen
from edge.verify.community_pass.status_csv import StatusCsvError, parse_status_csv

KID = "willow-2026"


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return keygen("Ed25519", KID, tmp_path / "keys")


def sign(
    capsys: pytest.CaptureFixture[str], csv: Path | str, key: Path, out: Path
) -> tuple[int, str, str]:
    code = main(["sign-status-list", str(csv), "--key", str(key), "--kid", KID, "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_csv_becomes_a_signed_list_the_gateway_accepts(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys
    csv = tmp_path / "status.csv"
    # As a spreadsheet saves it: a byte-order mark, a header, CRLF, mixed case.
    csv.write_bytes(
        b"\xef\xbb\xbfpass_id,state\r\nJk3q9XbT2mQe,Red\r\nq9XJk3bT2mQa,revoked\r\n"
        b"# a comment\r\n\r\nzz-1,green\r\n"
    )
    out = tmp_path / "status-list.json"
    code, printed, err = sign(capsys, csv, private, out)
    assert code == 0, err
    assert (
        printed.strip() == f"{out}: 3 pass(es) (1 green, 1 red, 1 revoked), signed with key {KID}"
    )
    statuses = StatusList(out, keyring=KeyRing.from_paths([public]))
    assert dict(statuses.snapshot.entries) == {
        "Jk3q9XbT2mQe": PassState.RED,
        "q9XJk3bT2mQa": PassState.REVOKED,
        "zz-1": PassState.GREEN,
    }
    assert statuses.snapshot.signed_by == KID and statuses.snapshot.issuer == KID


def test_an_empty_csv_from_stdin_is_an_empty_list(
    tmp_path: Path,
    keys: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private, public = keys
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    out = tmp_path / "status-list.json"
    code, printed, _ = sign(capsys, "-", private, out)
    assert code == 0 and "0 pass(es) (none)" in printed
    assert StatusList(out, keyring=KeyRing.from_paths([public])).snapshot.entries == {}


def test_every_bad_line_is_named_and_the_list_in_force_stays(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    private, _ = keys
    out = tmp_path / "status-list.json"
    out.write_text("the list in force\n")
    csv = tmp_path / "status.csv"
    csv.write_text("pass_id,state\nok-1,red\nbad id,red\nok-2,purple\nok-1,green\nx,y,z\n")
    code, _, err = sign(capsys, csv, private, out)
    assert code == 1
    assert f"{csv}: 4 line(s) to fix; nothing was written" in err
    for expected in (
        "line 3: pass id 'bad id'",
        "line 4: state 'purple' is not green, yellow, red or revoked",
        "line 5: pass id 'ok-1' is already on line 2",
        "line 6: expected two cells",
    ):
        assert expected in err, err
    assert out.read_text() == "the list in force\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_unreadable_inputs_are_explained(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = keys
    out = tmp_path / "status-list.json"
    code, _, err = sign(capsys, tmp_path / "missing.csv", private, out)
    assert code == 1 and "missing.csv: cannot read" in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("pass-1,r\xe9d\n".encode("latin-1"))
    code, _, err = sign(capsys, latin, private, out)
    assert code == 1 and "not UTF-8" in err
    csv = tmp_path / "ok.csv"
    csv.write_text("p1,red\n")
    code, _, err = sign(capsys, csv, public, out)  # the public key cannot sign
    assert code == 1 and "private key" in err
    assert not out.exists()


def test_the_header_is_optional_and_only_first() -> None:
    assert parse_status_csv("a,red\nb,YELLOW\n") == {"a": "red", "b": "yellow"}
    with pytest.raises(StatusCsvError) as caught:
        parse_status_csv("a,red\npass_id,state\n")
    assert caught.value.problems == ["line 2: state 'state' is not green, yellow, red or revoked"]


def test_a_flood_of_bad_lines_is_summed_up() -> None:
    with pytest.raises(StatusCsvError) as caught:
        parse_status_csv("".join(f"p{i},blue\n" for i in range(100)))
    assert len(caught.value.problems) == 100
    assert str(caught.value).splitlines()[-1] == "... and 80 more"


@given(st.text())
def test_any_text_is_a_list_or_a_status_csv_error(text: str) -> None:
    try:
        entries = parse_status_csv(text)
    except StatusCsvError as exc:
        assert exc.problems
    else:
        assert all(state in {s.value for s in PassState} for state in entries.values())


def test_a_line_the_csv_module_cannot_read_is_a_problem_not_a_crash() -> None:
    with pytest.raises(StatusCsvError) as caught:
        parse_status_csv("p1,red\np2," + "x" * 200_000 + "\n")
    assert caught.value.problems[-1].startswith("line 2: not CSV")


def test_issue_pass_names_the_pass_id_for_the_status_list(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The id a status list needs is said when the pass is issued; revoking it then works."""
    private, public = keys
    argv = ["issue-pass", "--key", str(private), "--kid", KID, "--resident", "r-1"]
    assert main([*argv, "--status", "green"]) == 0
    captured = capsys.readouterr()
    text = captured.out.strip()
    assert text.startswith("CP1:") and "\n" not in text  # standard output: the pass alone
    pass_id = captured.err.split("pass id ", 1)[1].split(":", 1)[0]
    csv = tmp_path / "status.csv"
    csv.write_text(f"pass_id,state\n{pass_id},revoked\n")
    out = tmp_path / "status-list.json"
    assert sign(capsys, csv, private, out)[0] == 0
    keys_args = ["--pass-key", str(public), "--status-list", str(out)]
    assert main(["verify-code", text, *keys_args]) == 1
    assert '"reason": "code revoked"' in capsys.readouterr().out
