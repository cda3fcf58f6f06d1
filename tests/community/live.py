"""A real gateway process with its community pages, for tests that drive it from a browser.

``tests/community/gate.py`` is the same gateway for async tests; a browser test is sync
(Playwright's sync API), so here the lanes' simulated thermometers and scanners run on an
event loop of their own thread, and the test talks to the gateway over HTTP as the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from edge.demo.workspace import Workspace
from edge.rules.policy import Policy
from tests.community.gate import Devices, community_workspace, import_households, lane_devices
from tests.community.helpers import ROOT

T = TypeVar("T")


class Background:
    """An event loop on a thread of its own (the devices' simulators live on it)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="devices")
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@dataclass
class LiveGate:
    ws: Workspace
    url: str
    devices: Devices
    background: Background
    members: dict[str, list[str]]  # household label -> its members' resident ids

    def client(self, user: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(user, self.ws.passwords[user]), timeout=10)

    def screen(self, lane: str, code: str, temperature: float = 36.6) -> dict[str, Any]:
        """Measured, then scanned at ``lane``: the screening recorded for it."""
        with self.client("staff") as staff:
            before = staff.get("/api/screenings", params={"lane": lane, "limit": 1}).json()
            last = before[0]["id"] if before else 0

            async def present() -> None:
                await self.devices.thermometers[lane].send_reading(temperature)
                await asyncio.sleep(0.3)
                await self.devices.scanners[lane].scan(code)

            self.background.run(present())
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                latest = staff.get("/api/screenings", params={"lane": lane, "limit": 1}).json()
                if latest and latest[0]["id"] > last:
                    return dict(latest[0])
                time.sleep(0.1)
        raise AssertionError(f"no screening on lane {lane}")


def _wait_up(url: str, ws: Workspace, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=url, auth=("staff", ws.passwords["staff"]), timeout=5) as c:
        while time.monotonic() < deadline:
            assert process.poll() is None, (ws.root / "gateway.log").read_text()[-3000:]
            with contextlib.suppress(httpx.HTTPError):
                devices = c.get("/api/devices")
                if devices.status_code == 200 and all(
                    d["state"] == "connected" for d in devices.json()
                ):
                    return
            time.sleep(0.1)
    raise AssertionError("the gateway did not come up: " + (ws.root / "gateway.log").read_text())


@contextlib.contextmanager
def live_gate(
    root: Path, policy: Policy, registry_csv: str, extra_toml: str = ""
) -> Iterator[LiveGate]:
    """``edge-gateway run`` with an in-lane and an out-lane, simulated devices connected,
    the registry ``registry_csv`` imported through the CLI first."""
    background = Background()
    stack = contextlib.AsyncExitStack()
    process: subprocess.Popen[bytes] | None = None
    try:
        devices = background.run(stack.enter_async_context(lane_devices(root)))
        ws, port = community_workspace(root, devices, policy, extra_toml=extra_toml)
        members = import_households(ws, registry_csv)
        url = f"http://127.0.0.1:{port}"
        with (root / "gateway.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "edge.cli", "run", "--config", str(ws.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        _wait_up(url, ws, process)
        yield LiveGate(ws, url, devices, background, members)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        with contextlib.suppress(Exception):
            background.run(stack.aclose())
        background.stop()
