"""The storeroom page in a real headless Chromium, phone-sized, against a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import MIGRATIONS, StoreroomService, create_router
from edge.storeroom.settings import ItemSettings, MqttSettings, ShelfSettings, StoreroomSettings
from firmware_interfaces.events import FrameRejected, ShelfWeight
from tests.brokers import free_port, wait_for_port
from tests.browser import launch, requires_chromium

pytestmark = pytest.mark.browser

SETTINGS = StoreroomSettings(
    items=(
        ItemSettings(
            key="gloves",
            name="Nitrile gloves",
            unit="box",
            unit_weight_kg=0.5,
            shelf="s1",
            lead_time_days=3,
            minimum=5,
        ),
        ItemSettings(
            key="kits", name="Test kits", unit="kit", unit_weight_kg=0.05, lead_time_days=7
        ),
    ),
    shelves=(ShelfSettings(key="s1", source="mqtt"), ShelfSettings(key="s2", source="mqtt")),
    mqtt=MqttSettings(),
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[str]:
    clock_now = [1_800_000_000.0]
    with Store(tmp_path / "gw.db", [MIGRATIONS]) as store:
        service = StoreroomService(SETTINGS, store, Bus(), clock=lambda: clock_now[0])
        service.load()
        for kg in (10.0, 2.0):  # 20 boxes, then 4: below the minimum
            for _ in range(50):
                service.handle("s1", ShelfWeight(kg))
                clock_now[0] += 0.1
        service.handle("s2", FrameRejected("not JSON"))
        app = FastAPI()
        app.include_router(create_router(service))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)


@requires_chromium
def test_page_on_a_phone(live: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{live}/storeroom")
            gloves = page.locator('[data-item="gloves"]')
            expect(gloves).to_contain_text("Nitrile gloves", timeout=10_000)
            expect(gloves).to_contain_text("4")
            expect(gloves).to_have_class("card low", timeout=10_000)
            expect(page.locator("#sensors")).to_contain_text("not JSON")
            expect(page.locator("#trend path")).to_have_count(1, timeout=10_000)
            # Nothing overflows the phone's width.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            page.click("text=Acknowledge")
            expect(page.locator("#alerts")).to_contain_text("acknowledged", timeout=10_000)
            page.fill("#alerts input[name=quantity]", "20")
            page.click("text=Record order")
            expect(page.locator("#alerts")).to_contain_text("None.", timeout=10_000)
            expect(gloves).to_contain_text("on order 20", timeout=10_000)
        finally:
            browser.close()
