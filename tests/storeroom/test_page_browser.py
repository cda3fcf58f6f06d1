"""The storeroom page in a real headless Chromium, phone-sized, inside the gateway's app: the
checkpoint's login and menu, then stock, alerts, sensors and the trend, in Chinese and in
English (screenshots in docs/screenshots/)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import MIGRATIONS, StoreroomService, create_router
from edge.storeroom.settings import ItemSettings, MqttSettings, ShelfSettings, StoreroomSettings
from edge.web import WebSettings, require_supervisor, require_user
from firmware_interfaces.events import FrameRejected, ShelfWeight
from tests.browser import launch, requires_chromium
from tests.gate import Gate
from tests.screenshots import shot
from tests.web.conftest import PASSWORDS, LiveServer, start_live, write_users

pytestmark = pytest.mark.browser

WAIT_MS = 10_000

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
#: data on the Chinese page: the items' names and units, the shelves, the users
DATA = {"Nitrile", "gloves", "Test", "kits", "box", "kit", "s1", "s2", "sam", "sue", "kg", "RH"}
DATA |= {"mqtt", "JSON"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    clock_now = [1_800_000_000.0]
    secret = tmp_path / "session.key"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    web = WebSettings(
        host="127.0.0.1",
        port=0,
        users_file=write_users(tmp_path / "users.toml"),
        session_secret_file=secret,
    )
    (tmp_path / "gate").mkdir()
    gate = Gate(tmp_path / "gate")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, gate.open()).result()
    with Store(tmp_path / "storeroom.db", [MIGRATIONS]) as store:
        service = StoreroomService(SETTINGS, store, Bus(), clock=lambda: clock_now[0])
        service.load()
        for kg in (10.0, 2.0):  # 20 boxes, then 4: below the minimum
            for _ in range(50):
                service.handle("s1", ShelfWeight(kg))
                clock_now[0] += 0.1
        service.handle("s2", FrameRejected("not JSON"))
        router = create_router(service, require_user, require_supervisor)
        server, stop = start_live(web, gate, routers=(router,))
        yield server
        stop()
    gate.store.close()


def log_in_at_the_storeroom(browser: Any, live: LiveServer, locale: str) -> Any:
    """Asked for without a login, the storeroom sends to the checkpoint's login and back."""
    from playwright.sync_api import expect

    page = browser.new_context(locale=locale, viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{live.url}/storeroom")
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", "sam")
    page.fill("#password", PASSWORDS["sam"])
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/storeroom$"))
    expect(page.locator("#who-name")).to_contain_text("sam")
    return page


@requires_chromium
def test_page_on_a_phone(live: LiveServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = log_in_at_the_storeroom(browser, live, "en-GB")
            # the same menu as the checkpoint's, this page marked
            expect(page.locator('.nav a[href="/"]')).to_have_text("Checkpoint")
            expect(page.locator('.nav a[href="/storeroom"]')).to_have_attribute(
                "aria-current", "page"
            )
            gloves = page.locator('[data-item="gloves"]')
            expect(gloves).to_contain_text("Nitrile gloves")
            expect(gloves).to_contain_text("4")
            expect(gloves).to_have_class("card low")
            expect(page.locator("#sensors")).to_contain_text("not JSON")
            expect(page.locator("#trend path")).to_have_count(1)
            # Nothing overflows the phone's width.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            shot(page, "storeroom-phone-en.png", full_page=True)
            page.click("text=Acknowledge")
            expect(page.locator("#alerts")).to_contain_text("acknowledged")
            page.fill("#alerts input[name=quantity]", "20")
            page.click("text=Record order")
            expect(page.locator("#alerts")).to_contain_text("None.")
            expect(gloves).to_contain_text("on order 20")
            # the checkpoint's log out, from here
            page.click("#logout")
            page.wait_for_url(re.compile(r"/$"))
            expect(page.locator("#login-form")).to_be_visible()
        finally:
            browser.close()


@requires_chromium
def test_page_in_chinese(live: LiveServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = log_in_at_the_storeroom(browser, live, "zh-CN")
            expect(page.locator('.nav a[href="/storeroom"]')).to_have_text("物资库房")
            gloves = page.locator('[data-item="gloves"]')
            expect(gloves.locator(".badge")).to_have_text("库存偏低，请补货")
            expect(page.locator("#alerts")).to_contain_text("Nitrile gloves：剩余 4 box")
            expect(page.locator("#sensors")).to_contain_text("不是 JSON 数据")
            expect(page.locator("#trend path")).to_have_count(1)
            text = page.evaluate(
                """() => { const c = document.body.cloneNode(true);
                for (const n of c.querySelectorAll('[translate="no"], [data-i18n-menu], script,'
                  + ' style, select')) n.remove();
                document.body.append(c); const t = c.innerText; c.remove(); return t; }"""
            )
            left = set(re.findall(r"[A-Za-z]{2,}", text)) - DATA
            assert left == set(), "English left on the Chinese page"
            shot(page, "storeroom-phone-zh-CN.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            shot(page, "storeroom-zh-CN.png", full_page=True)
        finally:
            browser.close()
