"""A real gateway process with an in-lane and an out-lane, and the registry behind it.

The gateway runs as ``edge-gateway run``; this process plays each lane's thermometer and
scanner on real pseudo-terminals (kept across restarts of the gateway) and follows
``/api/live`` as the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from edge.demo.workspace import KID, LanePorts, Workspace, make_workspace
from edge.rules.policy import Policy
from edge.rules.policy_file import write_policy_file
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from tests.brokers import free_port
from tests.community.helpers import ROOT, cli

LANES = ("in", "out")


@dataclass
class Devices:
    thermometers: dict[str, ThermometerSimulator]
    scanners: dict[str, ScannerSimulator]


@contextlib.asynccontextmanager
async def lane_devices(root: Path) -> AsyncIterator[Devices]:
    async with contextlib.AsyncExitStack() as stack:
        thermometers, scanners = {}, {}
        for lane in LANES:
            thermometers[lane] = await stack.enter_async_context(
                ThermometerSimulator("ascii-braces", link=root / f"{lane}-thermo.tty")
            )
            scanners[lane] = await stack.enter_async_context(
                ScannerSimulator("CR", aim=True, link=root / f"{lane}-scanner.tty")
            )
        yield Devices(thermometers, scanners)


def community_workspace(
    root: Path, devices: Devices, policy: Policy, *, extra_toml: str = ""
) -> tuple[Workspace, int]:
    port = free_port()
    ws = make_workspace(
        root,
        [
            LanePorts(
                lane,
                lane.title(),
                "ascii-braces",
                devices.thermometers[lane].path,
                devices.scanners[lane].path,
            )
            for lane in LANES
        ],
        web_port=port,
        pairing_window_s=5,
        extra_toml=(
            '[community]\nname = "Sunny Garden"\nstreet = "Jiefang Street"\n'
            f'district = "Jiang\'an"\npass_key_file = "keys/{KID}.key.pem"\n'
            f'pass_kid = "{KID}"\nunstaffed_alert_after_s = 1\nreport_interval_s = 5\n' + extra_toml
        ),
    )
    text = ws.config.read_text()
    for lane in LANES:
        text = text.replace(
            f'id = "{lane}"\nname = "{lane.title()}"\n',
            f'id = "{lane}"\nname = "{lane.title()}"\ndirection = "{lane}"\n',
        )
    ws.config.write_text(text)
    write_policy_file(root / "policy.toml", policy)
    return ws, port


def import_households(ws: Workspace, csv_text: str) -> dict[str, list[str]]:
    """Import ``csv_text`` through the CLI; return each household's members' resident ids."""
    (ws.root / "households.csv").write_text(csv_text, encoding="utf-8")
    done = cli("households", "import", ws.root / "households.csv", "--config", ws.config)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(ws.root / "data" / "gateway.db") as db:
        rows = db.execute(
            "SELECT h.building || '-' || h.unit || '-' || h.room, m.resident_id FROM members m"
            " JOIN households h ON h.id = m.household_id ORDER BY m.id"
        ).fetchall()
    found: dict[str, list[str]] = {}
    for label, resident in rows:
        found.setdefault(label, []).append(resident)
    return found


@dataclass
class Gate:
    ws: Workspace
    devices: Devices
    process: subprocess.Popen[bytes]
    staff: httpx.AsyncClient
    supervisor: httpx.AsyncClient
    events: list[dict[str, Any]] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def screen(self, lane: str, code: str, temperature: float = 36.6) -> dict[str, Any]:
        """Measured, then scanned at ``lane``: the decision the page is shown."""
        seen = len(self.events)
        await self.devices.thermometers[lane].send_reading(temperature)
        await asyncio.sleep(0.3)
        await self.devices.scanners[lane].scan(code)
        return await self.next("ScreeningDecided", after=seen, lane=lane)

    async def next(
        self, kind: str, *, after: int = 0, limit: float = 30.0, **match: Any
    ) -> dict[str, Any]:
        async with asyncio.timeout(limit):
            index = after
            while True:
                while index < len(self.events):
                    event = self.events[index]
                    index += 1
                    if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
                        return event
                self._arrived.clear()
                await self._arrived.wait()

    async def _follow(self) -> None:
        async with self.staff.stream("GET", "/api/live", timeout=None) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
                    self._arrived.set()


@contextlib.asynccontextmanager
async def running(ws: Workspace, port: int, devices: Devices) -> AsyncIterator[Gate]:
    log = (ws.root / "gateway.log").open("ab")
    process = subprocess.Popen(  # noqa: ASYNC220 (started once, before the test's steps)
        [sys.executable, "-m", "edge.cli", "run", "--config", str(ws.config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    staff = httpx.AsyncClient(base_url=url, auth=("staff", ws.passwords["staff"]), timeout=10)
    supervisor = httpx.AsyncClient(
        base_url=url, auth=("supervisor", ws.passwords["supervisor"]), timeout=10
    )
    gate = Gate(ws, devices, process, staff, supervisor)
    follower: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(60):
            while True:
                assert process.poll() is None, (ws.root / "gateway.log").read_text()[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    if (await staff.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            while not all(  # noqa: ASYNC110 (polling the HTTP API)
                d["state"] == "connected" for d in (await staff.get("/api/devices")).json()
            ):
                await asyncio.sleep(0.1)
        follower = asyncio.create_task(gate._follow())
        await gate.next("snapshot")
        yield gate
    finally:
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await follower
        await staff.aclose()
        await supervisor.aclose()
        if process.poll() is None:
            process.terminate()
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
