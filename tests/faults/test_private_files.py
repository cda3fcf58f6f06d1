"""Personal data is readable by the gateway's user only: 0600 files in a 0700 folder."""

from __future__ import annotations

import configparser
from pathlib import Path

from tests.faults.harness import running_gateway

UNIT = Path(__file__).parents[2] / "config" / "systemd" / "edge-gateway.service"


async def test_the_running_gateway_keeps_its_database_private(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gate:
        await gate.next("ScreeningRecorded", key=(await gate.screen())["key"])
        data = tmp_path / "data"
        modes = {p.name: p.stat().st_mode & 0o777 for p in data.iterdir() if ".db" in p.name}
    assert data.stat().st_mode & 0o777 == 0o700
    assert {"gateway.db", "gateway.db-wal", "gateway.db-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes


def test_the_systemd_unit_sets_a_private_umask_and_state_directory() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(UNIT)
    service = unit["Service"]
    assert service["UMask"] == "0077"
    assert service["StateDirectoryMode"] == "0700"
