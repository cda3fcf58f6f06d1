"""With a real gateway process: a supervisor's override of an exit decision counts (or
uncounts) the household's exit; visitors' names and manual registrations' personal fields are
purged once older than the retention period, and what is newer is kept."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

from edge.rules.policy import Policy
from tests.community.gate import Gate, community_workspace, import_households, lane_devices, running

HOUSEHOLDS = "楼栋,单元,房号,姓名,有智能手机\n3,2,501,王伟,是\n3,2,501,李芳,是\n"
DAY = 86400.0


def _exits(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT decision_key FROM household_exits")]


async def _until_exits(db: Path, wanted: set[str], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while set(_exits(db)) != wanted:
        assert time.monotonic() < deadline, f"exits {_exits(db)}, wanted {wanted}"
        await asyncio.sleep(0.2)


async def _screening_id(gate: Gate, key: str) -> int:
    listed = (await gate.staff.get("/api/screenings", params={"lane": "out"})).json()
    return int(next(s["id"] for s in listed if s["key"] == key))


async def _override(gate: Gate, decided: dict[str, Any], outcome: str) -> None:
    screening = await _screening_id(gate, decided["key"])
    answer = await gate.supervisor.post(
        f"/api/screenings/{screening}/override",
        json={"outcome": outcome, "reason": "the supervisor checked the household"},
    )
    assert answer.status_code == 200, answer.text


async def test_overriding_an_out_lane_decision_counts_or_uncounts_the_exit(
    tmp_path: Path,
) -> None:
    policy = Policy.model_validate({"household": {"exits_per_period": 1, "period_hours": 48}})
    async with lane_devices(tmp_path) as devices:
        ws, port = community_workspace(tmp_path, devices, policy)
        members = import_households(ws, HOUSEHOLDS)
        wang, li = (ws.issuer.issue(r, "green", days=30) for r in members["3-2-501"])
        db = ws.root / "data" / "gateway.db"
        async with running(ws, port, devices) as gate:
            first = await gate.screen("out", wang)
            assert first["outcome"] == "ADMIT"
            await _until_exits(db, {first["key"]})
            refused = await gate.screen("out", li)
            assert (refused["outcome"], refused["rule"]) == ("DENY", "household-exit-limit")
            # The supervisor lets her out after all: her exit counts for the household.
            await _override(gate, refused, "ADMIT")
            await _until_exits(db, {first["key"], refused["key"]})
            # His exit is taken back (he did not go out after all): it no longer counts...
            await _override(gate, first, "DENY")
            await _until_exits(db, {refused["key"]})
            # ... but hers still fills the household's one exit in two days.
            again = await gate.screen("out", wang)
            assert (again["outcome"], again["rule"]) == ("DENY", "household-exit-limit")
        # What the overrides counted holds across a restart.
        async with running(ws, port, devices) as gate:
            still = await gate.screen("out", wang)
            assert (still["outcome"], still["rule"]) == ("DENY", "household-exit-limit")
        assert set(_exits(db)) == {refused["key"]}


async def test_personal_data_is_purged_after_the_retention_period(tmp_path: Path) -> None:
    async with lane_devices(tmp_path) as devices:
        ws, port = community_workspace(tmp_path, devices, Policy())
        text = ws.config.read_text()
        ws.config.write_text(text.replace("[storage]\n", "[storage]\nretention_days = 14\n", 1))
        import_households(ws, HOUSEHOLDS)
        db = ws.root / "data" / "gateway.db"
        async with running(ws, port, devices) as gate:
            host = (await gate.staff.get("/api/community/households")).json()["households"][0]
            now = time.time()
            for name, start in (("赵磊", now - 20 * DAY), ("钱多多", now - 3600)):
                made = await gate.staff.post(
                    "/api/community/visits",
                    json={"household_id": host["id"], "name": name, "reason": "visiting",
                          "valid_from": start, "valid_until": start + 2 * 3600},
                )  # fmt: skip
                assert made.status_code == 201, made.text
            for name, digits in (("陈奶奶", "123X"), ("孙爷爷", "4567")):
                body = {"lane": "in", "category": "elderly", "reason": "no smartphone",
                        "temperature": 36.4, "id_last4": digits, "name": name}  # fmt: skip
                done = await gate.staff.post("/api/community/manual", json=body)
                assert done.status_code == 200, done.text
        # Twenty days pass for the first registration (the clock of a process cannot be
        # moved: its row is aged instead).
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE manual_registrations SET at = at - ? WHERE name = '陈奶奶'", [20 * DAY]
            )
        async with running(ws, port, devices) as gate:  # it purges as it starts

            def state() -> tuple[list[Any], list[Any]]:
                with sqlite3.connect(db) as conn:
                    visits = conn.execute(
                        "SELECT name, pass_text IS NULL, personal_purged FROM visits ORDER BY id"
                    ).fetchall()
                    manual = conn.execute(
                        "SELECT name, id_last4, personal_purged, reason, user, category"
                        " FROM manual_registrations ORDER BY id"
                    ).fetchall()
                return visits, manual

            deadline = time.monotonic() + 30
            while state()[1][0][2] != 1:
                assert time.monotonic() < deadline, state()
                await asyncio.sleep(0.2)
            visits, manual = state()
            assert visits == [("", 1, 1), ("钱多多", 0, 0)]
            # The audit keeps who registered, why and which kind of person; not who it was.
            assert manual == [
                ("", "", 1, "no smartphone", "staff", "elderly"),
                ("孙爷爷", "4567", 0, "no smartphone", "staff", "elderly"),
            ]
            listed = (await gate.staff.get("/api/community/visits", params={"since": 0})).json()
            assert sorted(v["name"] for v in listed) == ["", "钱多多"]
            audit = (await gate.staff.get("/api/community/audit")).json()
            assert len([a for a in audit if a["kind"] == "manual"]) == 2
