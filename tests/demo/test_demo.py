"""The demo shows every outcome a checkpoint worker meets, end to end through real ptys."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from edge.demo.runner import DemoOptions, run_demo
from tests.brokers import free_port


async def test_one_round_of_the_demo_produces_every_outcome(tmp_path: Path) -> None:
    lines: list[str] = []
    opts = DemoOptions(port=free_port(), data_dir=tmp_path, interval_s=0.6, rounds=1)
    await run_demo(opts, say=lines.append)
    with sqlite3.connect(tmp_path / "data" / "gateway.db") as db:
        reasons = {r for (r,) in db.execute("SELECT reason FROM screenings")}
        eu = dict(db.execute("SELECT outcome, reason FROM screenings WHERE code_type = 'eu-dcc'"))
        households = db.execute("SELECT COUNT(*) FROM households").fetchone()[0]
        members = db.execute("SELECT COUNT(*) FROM members").fetchone()[0]
        on_duty = {r for (r,) in db.execute("SELECT DISTINCT on_duty FROM screenings")}
        shifts = {r for (r,) in db.execute("SELECT lane FROM shifts WHERE user = 'staff'")}
    assert {
        "fever 38.1 °C",
        "code red",
        "code expired",
        "signature invalid",
        "code yellow",
        "temperature 37.1 °C: measure again",
        "no temperature yet: measure again",
    } <= reasons
    assert any(r.startswith("code green") for r in reasons)
    assert eu == {"ADMIT": "code green, 36.4 °C", "DENY": "certificate expired"}
    assert any("unreadable code: scan again" in line for line in lines)
    assert any("log in" in line for line in lines)
    assert any("district centre's dashboard" in line for line in lines)
    # The community's pages have a community from the first minute: households on the registry
    # (members without a phone among them) and the staff on duty, to whom every decision is due.
    assert (households, members) == (6, 10)
    assert on_duty == {"staff"}
    assert shifts == {"north-gate", "south-gate"}
    assert any("/households" in line for line in lines)


async def test_the_demo_run_again_on_its_folder_keeps_its_households(tmp_path: Path) -> None:
    opts = DemoOptions(port=free_port(), data_dir=tmp_path, interval_s=0.1, rounds=0, centre=False)
    await run_demo(opts, say=lambda _line: None)
    await run_demo(opts, say=lambda _line: None)
    with sqlite3.connect(tmp_path / "data" / "gateway.db") as db:
        assert db.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 6
