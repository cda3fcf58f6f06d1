"""Importing the household registry from a spreadsheet: all rows or none, bad rows by line."""

from __future__ import annotations

import asyncio
import base64
import io
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from edge.community.errors import ImportRefusedError
from edge.community.importer import parse, read_csv, read_file
from edge.rules.policy import Policy
from tests.community.gate import community_workspace, lane_devices, running
from tests.community.helpers import cli, households_csv, write_config
from tests.security.probes import raw_request, status_of


def _counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        h = conn.execute("SELECT COUNT(*) FROM households").fetchone()[0]
        m = conn.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    return h, m


def test_a_2000_household_file_imports_in_one_go_through_the_cli(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    data = households_csv(2000)
    members = data.decode().count("\n") - 1
    (tmp_path / "households.csv").write_bytes(data)
    done = cli("households", "import", tmp_path / "households.csv", "--config", config)
    assert done.returncode == 0, done.stderr
    assert f"imported {members} row(s): 2000 household(s) added, {members} member(s) added" in (
        done.stdout
    )
    assert _counts(tmp_path / "var" / "gateway.db") == (2000, members)
    # Again: nothing doubles; every member is updated in place.
    again = cli("households", "import", tmp_path / "households.csv", "--config", config)
    assert "0 household(s) added, 0 member(s) added" in again.stdout
    assert _counts(tmp_path / "var" / "gateway.db") == (2000, members)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    data = households_csv(
        2000,
        bad_lines={
            7: ["", "1", "104", "没有楼栋"],  # no building
            1500: ["8", "2", "133", "坏电话", "phone!"],  # a phone that is not one
            3999: ["20", "4", "150", "证件", "", "12345"],  # five id digits
        },
    )
    (tmp_path / "bad.csv").write_bytes(data)
    done = cli("households", "import", tmp_path / "bad.csv", "--config", config)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "nothing imported: 3 problem(s)"
    assert any(x.endswith("bad.csv: line 7, building: is empty") for x in lines)
    assert any("bad.csv: line 1500, phone: is not a phone number" in x for x in lines)
    assert any("bad.csv: line 3999, id_last4: must be the last 4" in x for x in lines)
    assert _counts(tmp_path / "var" / "gateway.db") == (0, 0)


def test_a_member_twice_in_a_household_is_named_with_both_lines() -> None:
    text = "building,unit,room,name\n3,2,501,王伟\n3,2,502,李芳\n3,2,501,王伟\n"
    with pytest.raises(ImportRefusedError) as caught:
        parse(read_csv(text.encode()))
    assert [str(p) for p in caught.value.problems] == [
        "line 4, name: 王伟 is already in household 3-2-501 (line 2)"
    ]


def test_headers_must_name_the_needed_columns() -> None:
    with pytest.raises(ImportRefusedError) as caught:
        parse(read_csv(b"building,flat,name\n1,2,x\n"))
    messages = [p.message for p in caught.value.problems]
    assert "unknown column 'flat'" in messages
    assert any(m.startswith("no column 'room'") for m in messages)


def test_gb18030_csv_from_excel_is_read() -> None:
    text = "楼栋,单元,房号,姓名\n3,2,501,王伟\n"
    rows = parse(read_csv(text.encode("gb18030")))
    assert [(r.address, r.name) for r in rows] == [(("3", "2", "501"), "王伟")]


def test_xlsx_is_read_with_numbers_as_typed() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["楼栋", "单元", "房号", "姓名", "身份证后四位"])
    sheet.append([3, 2, 501, "王伟", "123X"])
    sheet.append([3, None, 502, "李芳", None])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = parse(read_file("registry.xlsx", buffer.getvalue()))
    assert [(r.line, r.address, r.name, r.id_last4) for r in rows] == [
        (2, ("3", "2", "501"), "王伟", "123X"),
        (3, ("3", "", "502"), "李芳", ""),
    ]


def test_a_file_that_is_not_a_workbook_is_refused_in_words() -> None:
    with pytest.raises(ImportRefusedError) as caught:
        parse(read_file("x.xlsx", b"PK\x03\x04 not really"))
    assert "is not an XLSX workbook" in str(caught.value)


async def test_the_import_route_takes_a_large_file_and_no_other_route_does(
    tmp_path: Path,
) -> None:
    """Over HTTP, as the households page sends it: a 2,000-household CSV (far over the
    gateway's 64 KiB body limit) imports; a file over 20 MB is refused before it is read, and
    every other route keeps the 64 KiB limit."""
    data = households_csv(2000)
    assert len(data) > 64 * 1024
    async with lane_devices(tmp_path) as devices:
        ws, port = community_workspace(tmp_path, devices, Policy())
        async with running(ws, port, devices) as gate:
            done = await gate.supervisor.post(
                "/api/community/import", params={"filename": "households.csv"}, content=data
            )
            assert done.status_code == 200, done.text
            assert done.json()["households_added"] == 2000
            login = base64.b64encode(f"supervisor:{ws.passwords['supervisor']}".encode())
            url = f"http://127.0.0.1:{port}"

            def refused(path: str, length: int) -> int:
                head = (
                    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Authorization: Basic {login.decode()}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
                ).encode()
                return status_of(raw_request(url, head, [b"x" * 1024]))

            # Refused on the declared length: only 1 KiB of each is ever sent.
            assert await asyncio.to_thread(refused, "/api/community/import", 20 * 2**20 + 1) == 413
            assert await asyncio.to_thread(refused, "/api/community/households", 70_000) == 413
            staff = await gate.staff.post("/api/community/import", content=data)
            assert staff.status_code == 403
