"""The page in a real headless Chromium against a live server: login, decisions as they
happen, devices, a supervisor's override, a phone-sized screen, and a lost connection."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.core.events import DeviceInputRejected, DeviceStatus, ScreeningPending
from tests.browser import launch, need_chromium
from tests.web.conftest import PASSWORDS, LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp")  # screenshots for a person to look at after the run
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = launch(pw)
        yield instance
        instance.close()


def log_in(browser: Any, live: LiveServer, user: str, **context: Any) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(**context).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(live.url)
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login-form button[type=submit]")
    expect(page.locator("#who-name")).to_contain_text(user)
    # the snapshot has arrived once the lanes are drawn: events published now reach the page
    expect(page.locator('.lane[data-lane="north"] .counts')).to_contain_text("today")
    return page


def test_wrong_password_says_so(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(live_server.url)
    page.fill("#username", "sam")
    page.fill("#password", "not-it")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("wrong username or password")
    expect(page.locator("#app")).to_be_hidden()
    page.close()


def test_a_deny_shows_with_its_reason_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sam", viewport={"width": 375, "height": 812})
    north = page.locator('.lane[data-lane="north"] .decision')
    south = page.locator('.lane[data-lane="south"] .decision')
    expect(north).to_contain_text("Ready")

    live_server.publish(ScreeningPending("north", 1.0, "code", temperature=38.1))
    expect(north).to_contain_text("waiting for code")

    live_server.screen("north", temperature=38.1)
    expect(north).to_have_class("decision DENY")
    expect(north.locator(".outcome")).to_have_text("DENY")
    expect(north.locator(".reason")).to_have_text("fever 38.1 °C")
    expect(north).to_contain_text("community pass")
    expect(page.locator('#recent li[data-screening="1"]')).to_contain_text("fever 38.1 °C")
    expect(page.locator('.lane[data-lane="north"] .counts')).to_contain_text("DENY 1")
    expect(north.locator("button.override")).to_have_count(0)  # staff cannot override

    live_server.publish(
        DeviceInputRejected(
            "south-scanner", "bad base45", 2.0, "south", "unreadable code: scan again"
        )
    )
    expect(south).to_contain_text("unreadable code: scan again")

    live_server.publish(DeviceStatus("north-scanner", "scanner", "unplugged", "port gone", 3.0))
    expect(page.locator('[data-device="north-scanner"] .badge')).to_have_text("unplugged")
    expect(page.locator('[data-device="north-thermometer"] .badge')).to_have_text("connected")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a 375 px phone"
    page.screenshot(path=str(SHOTS / "web-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "web-desktop.png"), full_page=True)
    page.context.close()


def test_a_supervisor_overrides_and_it_is_audited(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sue")
    live_server.screen("south", colour="red")
    south = page.locator('.lane[data-lane="south"] .decision')
    expect(south).to_have_class("decision DENY")
    south.locator("button.override").click()
    expect(page.locator("#override-dialog")).to_be_visible()
    page.select_option("#override-outcome", "RECHECK")
    page.fill("#override-reason", "pass shown on paper; call the health office")
    page.click("#override-submit")
    expect(page.locator("#override-dialog")).to_be_hidden()
    expect(south).to_have_class("decision RECHECK")
    expect(south.locator(".note")).to_contain_text("Overridden by sue")
    page.click("#audit summary")
    expect(page.locator("#overrides")).to_contain_text("sue: DENY → RECHECK")
    audit = asyncio.run_coroutine_threadsafe(
        live_server.service.overrides(), live_server.loop
    ).result(10)
    assert audit[0]["reason"] == "pass shown on paper; call the health office"
    page.screenshot(path=str(SHOTS / "web-override.png"), full_page=True)
    page.context.close()


def test_a_lost_gateway_is_shown_and_the_page_reconnects(
    browser: Any, settings: Any, gate: Any, service: Any
) -> None:
    from playwright.sync_api import expect

    from tests.brokers import free_port
    from tests.web.conftest import start_live

    fixed = settings.model_copy(update={"port": free_port()})
    live, stop = start_live(fixed, gate)
    try:
        page = log_in(browser, live, "sam")
        expect(page.locator("#connection")).to_be_hidden()
        assert stop()
        expect(page.locator("#connection")).to_contain_text("Connection lost")
        # the gateway comes back on the same address: the page picks up where it was
        live, stop = start_live(fixed, gate)
        expect(page.locator("#connection")).to_be_hidden()
        deadline = time.monotonic() + 10  # the stream subscribes just after its headers go out
        while not service.bus._subscriptions and time.monotonic() < deadline:
            time.sleep(0.02)
        live.screen("south", colour="expired")
        south = page.locator('.lane[data-lane="south"] .decision')
        expect(south.locator(".reason")).to_have_text("code expired")
        page.context.close()
    finally:
        stop()


def test_storage_trouble_is_a_banner_and_a_mark_on_each_decision(
    browser: Any, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    from edge.core.events import Outcome, ScreeningDecided, ScreeningNotRecorded, StorageStatus

    page = log_in(browser, live_server, "sue")
    expect(page.locator("#storage")).to_be_hidden()
    full = StorageStatus(
        False, "full", "the storage holding /var/lib/ccg/gateway.db is full",
        "free space on it", "/var/lib/ccg/gateway.db", 1, 2.0,
    )  # fmt: skip
    live_server.publish(full)
    decided = ScreeningDecided(
        "k-1", "north", 2.0, Outcome.DENY, "fever 38.4 °C", "fever", 38.4, "community_pass",
        "green", True,
    )  # fmt: skip
    live_server.publish(decided)
    live_server.publish(ScreeningNotRecorded("k-1", "north", "not recorded yet: kept", True))
    banner = page.locator("#storage")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("decisions are not being recorded")
    expect(banner).to_contain_text("is full")
    north = page.locator('.lane[data-lane="north"] .decision')
    expect(north.locator(".outcome")).to_have_text("DENY")
    expect(north.locator(".rec")).to_contain_text("NOT RECORDED YET")
    expect(north.locator("button.override")).to_have_count(0)  # nothing on record to override
    page.screenshot(path=str(SHOTS / "web-storage-full.png"), full_page=True)

    # the storage is back: the decision is recorded, the mark and the banner go
    from edge.core.events import ScreeningRecorded

    live_server.publish(ScreeningRecorded("k-1", 41, "north", 2.0))
    live_server.publish(dataclasses.replace(full, ok=True, problem=None, what="", unrecorded=0))
    expect(banner).to_be_hidden()
    expect(north.locator(".rec")).to_have_count(0)
    expect(north.locator("button.override")).to_have_count(1)
    page.context.close()
