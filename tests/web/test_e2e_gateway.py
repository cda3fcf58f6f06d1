"""End to end: simulated thermometer and scanner on real pseudo-terminals, the real gateway
(checkpoint, store, verifier, its web server), and the page in headless Chromium."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import load_config
from edge.demo.residents import Resident
from edge.demo.runner import Lane, present, wait_for_devices, wait_streaming
from edge.demo.workspace import LanePorts, Workspace, make_workspace
from edge.runtime.assembly import Gateway
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from tests.browser import launch, need_chromium
from tests.web.test_browser import WAIT_MS

pytestmark = pytest.mark.browser


class RunningGateway:
    """The gateway and its simulators on an event loop of their own (Playwright's sync API
    owns the test's thread)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self.url = ""
        self.ws: Workspace | None = None
        self.lane: Lane | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True, name="e2e-gateway")

    def start(self) -> RunningGateway:
        self._thread.start()
        assert self.ready.wait(60), "the gateway did not come up"
        if self.failed is not None:
            raise self.failed
        return self

    def run(self, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        asyncio.run_coroutine_threadsafe(make(), self.loop).result(30)

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _main(self) -> None:
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to the test thread
            self.failed = exc
            self.ready.set()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with (
            ThermometerSimulator("gy-mcu90614", link=self.root / "thermo.tty") as thermo,
            ScannerSimulator("CR", aim=True, link=self.root / "scanner.tty") as scanner,
        ):
            lane = Lane("gate", thermo, scanner)
            ports = [LanePorts("gate", "Main gate", "gy-mcu90614", thermo.path, scanner.path)]
            self.ws = make_workspace(self.root / "gw", ports, web_port=0, pairing_window_s=5)
            gateway = Gateway(load_config(self.ws.config), source=self.ws.config)
            started = asyncio.Event()
            task = asyncio.create_task(gateway.run(ready=started))
            try:
                await wait_for_devices(gateway.bus, {"gate-thermometer", "gate-scanner"})
                await wait_streaming([lane])
                await asyncio.wait_for(started.wait(), 30)
                self.url = f"http://127.0.0.1:{gateway.web_port}"
                self.lane = lane
                self.ready.set()
                await self._stop.wait()
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    need_chromium()
    running = RunningGateway(tmp_path).start()
    yield running
    running.stop()


def test_a_feverish_resident_is_denied_on_the_page(gateway: RunningGateway) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert gateway.ws is not None and gateway.lane is not None
    ws, lane = gateway.ws, gateway.lane
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 812})
            page.set_default_timeout(WAIT_MS)
            page.goto(gateway.url)
            page.fill("#username", "staff")
            page.fill("#password", ws.passwords["staff"])
            page.click("#login-form button[type=submit]")
            panel = page.locator('.lane[data-lane="gate"] .decision')
            expect(page.locator('.lane[data-lane="gate"] .counts')).to_contain_text("today")
            expect(page.locator('[data-device="gate-scanner"] .badge')).to_have_text("connected")

            feverish = Resident("DENY", ws.issuer.issue("r-0002", "green"), temperature=38.1)
            gateway.run(lambda: present(lane, feverish))
            expect(panel).to_have_class("decision DENY")
            expect(panel.locator(".reason")).to_have_text("fever 38.1 °C")
            expect(panel).to_contain_text("38.1 °C")
            expect(page.locator('.lane[data-lane="gate"] .counts')).to_contain_text("DENY 1")
            lanes = page.evaluate("fetch('/api/lanes').then((r) => r.json())")
            assert lanes[0]["counts_today"]["DENY"] == 1

            garbage = Resident("unreadable", None, raw=b"\x1b\xff#%\xfe\r")
            gateway.run(lambda: present(lane, garbage))
            expect(panel).to_contain_text("unreadable code: scan again")
            page.screenshot(path="/tmp/web-e2e.png", full_page=True)
        finally:
            browser.close()
