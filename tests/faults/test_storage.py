"""A full, read-only or failing SD card never stops the gate, and nothing shown is lost unsaid.

Each test runs the real gateway process with its data on a storage of the test's making and
checks what staff see: the decision at once, marked as not recorded, a page-wide reason; then,
when the storage is back, every decision shown recorded, without a restart.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.brokers import Mosquitto
from tests.faults.harness import fill, remount, running_gateway, tmpfs
from tests.faults.shim import build_shim
from tests.monitor.processes import MonitorProcess

pytestmark = pytest.mark.slow


async def _recorded_later(gate, decided: dict) -> dict:  # type: ignore[no-untyped-def]
    return await gate.next("ScreeningRecorded", key=decided["key"])


async def _listed(gate, screening_id: int) -> bool:  # type: ignore[no-untyped-def]
    rows = (await gate.client.get("/api/screenings")).json()
    return any(r["id"] == screening_id for r in rows)


async def _centre_screenings(monitor: MonitorProcess) -> int:
    rows = (await asyncio.to_thread(monitor.get, "/api/screenings")).json()
    return sum(int(row["screenings"]) for row in rows)


async def test_a_card_that_fills_up_never_stops_screening(
    tmp_path: Path, mosquitto: Mosquitto
) -> None:
    """... and afterwards the centre counts exactly what the gate decided: nothing lost while
    the card was full (the uplink failed to write its outbox then), nothing counted twice."""
    monitor = MonitorProcess(mosquitto.port, f"sqlite:///{tmp_path / 'centre.db'}", tmp_path)
    monitor.start()
    try:
        await _fill_up_and_recover(tmp_path, mosquitto, monitor)
    finally:
        monitor.stop()


async def _fill_up_and_recover(
    tmp_path: Path, mosquitto: Mosquitto, monitor: MonitorProcess
) -> None:
    (tmp_path / "uplink-hmac.key").write_bytes(b"k" * 32)
    uplink = (
        '[uplink]\ngateway_id = "demo-gateway"\nbroker_host = "127.0.0.1"\n'
        f"broker_port = {mosquitto.port}\ntls = false\nwindow_s = 10\nwindow_settle_s = 0\n"
        'hmac_key_file = "uplink-hmac.key"\nclock_check = "trust"\nheartbeat_s = 1\n'
    )
    with tmpfs(tmp_path / "data", "3m") as data:
        async with running_gateway(tmp_path, extra_toml=uplink) as gate:
            first = await gate.screen()
            assert first["outcome"] == "ADMIT"
            await _recorded_later(gate, first)

            filler = fill(data)
            shown = await gate.screen(temperature=38.2)
            assert shown["outcome"] == "DENY" and shown["reason"] == "fever 38.2 °C"
            kept = await gate.next("ScreeningNotRecorded", key=shown["key"])
            assert kept["kept"] is True and "not recorded" in kept["reason"]
            status = await gate.next("StorageStatus", ok=False)
            assert status["problem"] == "full" and str(data) in status["what"]
            health = await gate.until_health(lambda h: h["status"] == "degraded")
            assert health["storage"]["problem"] == "full"
            assert health["storage"]["unrecorded_decisions"] >= 1
            assert "free space" in health["storage"]["advice"]

            # More residents while the card is full: each shown at once, none lost.
            during = [await gate.screen() for _ in range(3)]
            await asyncio.sleep(2)  # the uplink keeps failing to write its outbox meanwhile
            assert gate.alive(), "the gateway ended while its storage was full"

            filler.unlink()
            for decided in [shown, *during]:
                recorded = await _recorded_later(gate, decided)
                assert await _listed(gate, recorded["screening_id"])
            health = await gate.until_health(lambda h: h["storage"]["ok"])
            assert health["storage"]["unrecorded_decisions"] == 0
            await gate.until_health(lambda h: h["status"] == "ok")
            assert gate.alive()

            # The centre ends with the gate's figures: 1 + 1 + 3 screenings, each once.
            await asyncio.to_thread(monitor.wait_up)
            decided = (await gate.client.get("/api/lanes")).json()[0]["counts_today"]["total"]
            assert decided == 5
            async with asyncio.timeout(90):  # windows of 10 s, sent when they close
                while await _centre_screenings(monitor) != decided:  # noqa: ASYNC110 (HTTP)
                    await asyncio.sleep(0.5)
            await asyncio.sleep(12)  # one more window: a re-sent window replaces, never adds
            assert await _centre_screenings(monitor) == decided


async def test_a_full_card_at_start_up_comes_up_degraded(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "data", "1m") as data:
        filler = fill(data)
        async with running_gateway(tmp_path, wait_ok=False) as gate:
            health = await gate.health()
            assert health["status"] == "degraded" and health["storage"]["ok"] is False
            assert str(data / "gateway.db") in health["storage"]["what"]
            shown = await gate.screen()
            assert shown["outcome"] == "ADMIT"
            await gate.next("ScreeningNotRecorded", key=shown["key"])
            listing = await gate.client.get("/api/screenings")
            assert listing.status_code in (200, 503)  # no traceback either way
            if listing.status_code == 503:
                assert "storage" in listing.json()["detail"]

            filler.unlink()
            recorded = await _recorded_later(gate, shown)
            assert await _listed(gate, recorded["screening_id"])
            await gate.until_health(lambda h: h["storage"]["ok"])


async def test_a_card_the_kernel_turns_read_only_and_back(tmp_path: Path) -> None:
    # ext4 remounts a failing card read-only whatever is open; the shim makes writes fail the
    # same way (EROFS), since a test cannot remount a filesystem with files open for writing.
    data, trigger = tmp_path / "data", tmp_path / "fault"
    data.mkdir()
    env = {"LD_PRELOAD": str(build_shim()), "CCG_FAULT_DIR": str(data)}
    async with running_gateway(tmp_path, env={**env, "CCG_FAULT_TRIGGER": str(trigger)}) as gate:
        await _recorded_later(gate, await gate.screen())
        trigger.write_text("EROFS")
        shown = await gate.screen()
        await gate.next("ScreeningNotRecorded", key=shown["key"])
        health = await gate.until_health(lambda h: not h["storage"]["ok"])
        assert health["storage"]["problem"] == "read-only"
        assert "replace" in health["storage"]["advice"]
        trigger.unlink()
        await _recorded_later(gate, shown)
        await gate.until_health(lambda h: h["storage"]["ok"])


async def test_a_read_only_data_folder_at_start_up_names_the_path(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "data", "8m") as data:
        remount(data, "ro")
        try:
            async with running_gateway(tmp_path, wait_ok=False) as gate:
                health = await gate.health()
                assert health["storage"]["problem"] == "read-only"
                assert str(data) in health["storage"]["what"]
                shown = await gate.screen()
                await gate.next("ScreeningNotRecorded", key=shown["key"])
                remount(data, "rw")
                await _recorded_later(gate, shown)
        finally:
            remount(data, "rw")


async def test_io_errors_are_survived_and_recovered_from(tmp_path: Path) -> None:
    shim = build_shim()
    data = tmp_path / "data"
    data.mkdir()
    trigger = tmp_path / "eio"
    env = {"LD_PRELOAD": str(shim), "CCG_FAULT_DIR": str(data), "CCG_FAULT_TRIGGER": str(trigger)}
    async with running_gateway(tmp_path, env=env) as gate:
        await _recorded_later(gate, await gate.screen())
        trigger.touch()
        shown = await gate.screen()
        assert shown["outcome"] == "ADMIT"
        await gate.next("ScreeningNotRecorded", key=shown["key"])
        health = await gate.until_health(lambda h: not h["storage"]["ok"])
        assert health["storage"]["problem"] == "io-error"
        trigger.unlink()
        await _recorded_later(gate, shown)
        await gate.until_health(lambda h: h["storage"]["ok"])
        overview = await gate.client.get("/api/lanes")
        assert overview.json()[0]["counts_today"]["total"] == 2
        assert isinstance(overview, httpx.Response)
