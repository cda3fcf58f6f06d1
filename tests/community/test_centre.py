"""At the centre, with real processes (a gateway, Mosquitto, central-monitor): a manual
registration is counted in the lane's window without personal data; an active lane with
nobody on duty raises an alert; lane staffing and the day's figures arrive."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from edge.rules.policy import Policy
from tests.brokers import Mosquitto
from tests.community.gate import community_workspace, import_households, lane_devices, running
from tests.monitor.processes import MonitorProcess


def _stored(db: Path, stream: str) -> list[dict[str, Any]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT envelope FROM messages WHERE stream = ?", [stream]
            ).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    return [json.loads(row[0]) for row in rows]


async def _until(db: Path, stream: str, predicate: Any, within: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for envelope in _stored(db, stream):
            if predicate(envelope["body"]):
                return envelope
        await asyncio.sleep(0.3)
    raise AssertionError(f"no {stream} at the centre: {_stored(db, stream)}")


async def test_manual_registration_and_unstaffed_lane_reach_the_centre(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    centre_db = tmp_path / "centre.db"
    monitor = MonitorProcess(mosquitto.port, f"sqlite:///{centre_db}", tmp_path / "centre").start()
    try:
        await asyncio.to_thread(monitor.wait_up)
        uplink = (
            f'[uplink]\ngateway_id = "demo-gateway"\ncommunity = "Sunny Garden"\n'
            f'broker_host = "127.0.0.1"\nbroker_port = {mosquitto.port}\ntls = false\n'
            'window_s = 10\nwindow_settle_s = 1\nclock_check = "trust"\n'
            'hmac_key_file = "uplink.key"\nheartbeat_s = 5\n'
        )
        key = tmp_path / "uplink.key"
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
        async with lane_devices(tmp_path) as devices:
            ws, port = community_workspace(tmp_path, devices, Policy(), extra_toml=uplink)
            async with running(ws, port, devices) as gate:
                # Both lanes' devices are connected and nobody is signed in: alert.
                alert = await _until(
                    centre_db,
                    "alert",
                    lambda b: b["kind"] == "unstaffed-lane" and b["state"] == "open",
                )
                assert alert["body"]["subject"] in ("in", "out")
                duty = await _until(centre_db, "lane-duty", lambda b: b["lane"] == "in")
                assert duty["body"]["staffed"] is False and duty["body"]["active"] is True
                signed = await gate.staff.post("/api/community/duty/sign-in", json={"lane": "in"})
                assert signed.status_code == 200
                await _until(
                    centre_db,
                    "alert",
                    lambda b: b["subject"] == "in" and b["state"] == "resolved",
                )
                await _until(centre_db, "lane-duty", lambda b: b["lane"] == "in" and b["staffed"])
                body = {"lane": "in", "category": "elderly", "reason": "no smartphone",
                        "temperature": 36.4, "id_last4": "123X", "name": "陈奶奶"}  # fmt: skip
                done = await gate.staff.post("/api/community/manual", json=body)
                assert done.status_code == 200, done.text
                window = await _until(
                    centre_db, "lane-window", lambda b: b["lane"] == "in" and b.get("manual") == 1
                )
                assert window["body"]["admitted"] == 1
                daily = await _until(
                    centre_db, "daily-report", lambda b: b["manual_registrations"] == 1, within=30
                )
                assert daily["body"]["staff_on_duty"] == 1
        everything = centre_db.read_bytes()
        for personal in ("陈奶奶".encode(), b"123X", b"no smartphone"):
            assert personal not in everything
        with sqlite3.connect(centre_db) as conn:
            texts = " ".join(row[0] for row in conn.execute("SELECT envelope FROM messages"))
        assert "陈奶奶" not in texts and "123X" not in texts
    finally:
        monitor.stop()


async def test_a_resident_out_late_is_raised_at_the_centre_without_a_name(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    """Raised while the resident is still out, resolved when they are back; beside a
    storeroom, whose alerts the uplink also reads from its tables (so the bus carries no
    alert to the centre: the community's come from their own log)."""
    centre_db = tmp_path / "centre.db"
    monitor = MonitorProcess(mosquitto.port, f"sqlite:///{centre_db}", tmp_path / "centre").start()
    try:
        await asyncio.to_thread(monitor.wait_up)
        extra = (
            f'[uplink]\ngateway_id = "demo-gateway"\ncommunity = "Sunny Garden"\n'
            f'broker_host = "127.0.0.1"\nbroker_port = {mosquitto.port}\ntls = false\n'
            'window_s = 10\nwindow_settle_s = 1\nclock_check = "trust"\n'
            'hmac_key_file = "uplink.key"\nheartbeat_s = 5\n'
            f"[storeroom]\n[storeroom.mqtt]\nport = {mosquitto.port}\n"
            '[[storeroom.items]]\nkey = "masks"\nname = "Masks"\nunit = "box"\n'
            'unit_weight_kg = 0.5\nshelf = "s1"\nlead_time_days = 7\n'
            '[[storeroom.shelves]]\nkey = "s1"\nsource = "mqtt"\n'
        )
        key = tmp_path / "uplink.key"
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
        policy = Policy.model_validate({"household": {"return_within_hours": 0.0005}})
        async with lane_devices(tmp_path) as devices:
            ws, port = community_workspace(tmp_path, devices, policy, extra_toml=extra)
            members = import_households(ws, "楼栋,单元,房号,姓名\n3,2,501,王伟\n")
            wang = ws.issuer.issue(members["3-2-501"][0], "green")
            async with running(ws, port, devices) as gate:
                out = await gate.screen("out", wang)
                assert out["outcome"] == "ADMIT"
                late = await _until(
                    centre_db,
                    "alert",
                    lambda b: b["kind"] == "out-late" and b["state"] == "open",
                )
                assert late["body"]["message"] == (
                    "1 resident is out past the time they were due back"
                )
                listed = (await gate.staff.get("/api/community/out-late")).json()
                assert [(o["name"], o["household"]) for o in listed] == [("王伟", "3-2-501")]
                back = await gate.screen("in", wang)
                assert back["rule"] == "household-late-return"
                await _until(
                    centre_db,
                    "alert",
                    lambda b: b["kind"] == "out-late" and b["state"] == "resolved",
                )
        with sqlite3.connect(centre_db) as conn:
            texts = " ".join(row[0] for row in conn.execute("SELECT envelope FROM messages"))
        assert "王伟" not in texts and "3-2-501" not in texts
    finally:
        monitor.stop()
