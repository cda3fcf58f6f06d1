"""The assembled gateway against simulated devices on real pseudo-terminals."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.config import load_config
from edge.core.events import DeviceInputRejected, DeviceStatus, ScreeningPending
from edge.demo.workspace import LanePorts, make_workspace
from edge.runtime.assembly import Gateway
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from tests.waiting import until


@pytest.fixture
async def running(
    tmp_path: Path,
) -> AsyncIterator[tuple[Gateway, ThermometerSimulator, ScannerSimulator]]:
    async with (
        ThermometerSimulator("gy-mcu90614", link=tmp_path / "thermo-link") as thermo,
        ScannerSimulator("CR", aim=True, link=tmp_path / "scanner-link") as scanner,
    ):
        ws = make_workspace(
            tmp_path / "gw",
            [LanePorts("gate", "Gate", "gy-mcu90614", thermo.path, scanner.path)],
            web_port=0,
        )
        gateway = Gateway(load_config(ws.config), source=ws.config)
        sub = gateway.bus.subscribe()
        task = asyncio.create_task(gateway.run())
        connected: set[str] = set()
        while connected != {
            "gate-thermometer",
            "gate-scanner",
        }:  # bytes sent before the port opens are lost
            event = await until(
                sub, lambda e: isinstance(e, DeviceStatus) and e.state == "connected"
            )
            connected.add(event.device)
        sub.close()
        await asyncio.wait_for(gateway.web.started.wait(), 10)
        yield gateway, thermo, scanner
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_reading_from_a_gy_mcu90614_reaches_the_lane(running) -> None:  # type: ignore[no-untyped-def]
    gateway, thermo, _scanner = running
    sub = gateway.bus.subscribe()
    # the gateway switched the thermometer to continuous output when it opened the port
    for _ in range(400):
        if thermo.streaming:
            break
        await asyncio.sleep(0.05)
    assert thermo.streaming
    await thermo.send_reading(36.4, 22.0)
    pending = await until(sub, lambda e: isinstance(e, ScreeningPending))
    assert (pending.waiting_for, pending.temperature) == ("code", 36.4)


async def test_unreadable_scan_is_counted_and_staff_told(running) -> None:  # type: ignore[no-untyped-def]
    gateway, _thermo, scanner = running
    sub = gateway.bus.subscribe()
    await scanner.send_scan(b"\xff\xfe\xfd\r")
    event = await until(sub, lambda e: isinstance(e, DeviceInputRejected))
    assert event.notice == "unreadable code: scan again" and event.lane == "gate"
    assert gateway.checkpoint is not None
    devices = {d.id: d for d in gateway.checkpoint.devices()}
    assert sum(devices["gate-scanner"].rejected.values()) == 1


async def test_unplug_and_replug_show_on_the_device_list(running) -> None:  # type: ignore[no-untyped-def]
    gateway, thermo, _scanner = running
    sub = gateway.bus.subscribe()
    thermo.unplug()
    await until(sub, lambda e: isinstance(e, DeviceStatus) and e.state == "unplugged")
    thermo.replug()
    await until(sub, lambda e: isinstance(e, DeviceStatus) and e.state == "connected")
    assert gateway.checkpoint is not None
    assert {d.id: d.state for d in gateway.checkpoint.devices()}["gate-thermometer"] == "connected"


async def test_metrics_show_device_states_and_rejections(running) -> None:  # type: ignore[no-untyped-def]
    import httpx

    gateway, _thermo, scanner = running
    sub = gateway.bus.subscribe()
    await scanner.send_scan(b"\xff\r")
    await until(sub, lambda e: isinstance(e, DeviceInputRejected))
    # /metrics is behind the login (web.metrics_public is off): a staff session opens it.
    token = await gateway.app.state.auth.authenticator.sessions.start("staff", "test")
    bearer = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{gateway.web_port}", headers=bearer
    ) as client:
        text = (await client.get("/metrics")).text
    assert (
        'ccg_device_state{device="gate-thermometer",kind="thermometer",state="connected"} 1.0'
        in text
    )
    assert (
        'ccg_device_rejected_input_total{device="gate-scanner",'
        'reason="unreadable code (not UTF-8)"} 1.0' in text
    )
