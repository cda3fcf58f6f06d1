"""The desk at the gate, in a real Chromium: a sound per outcome made in the browser, a fever
alarm that repeats until someone acknowledges it, a mute switch, one lane shown alone and large
for the queue (legible from 3 m, the outcome in colour, symbol and word), keyboard shortcuts,
and all of it on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import launch, need_chromium
from tests.screenshots import shot
from tests.web.conftest import PASSWORDS, LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = launch(pw)
        yield instance
        instance.close()


def log_in(browser: Any, live: LiveServer, user: str, locale: str = "zh-CN", **ctx: Any) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(locale=locale, **ctx).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(live.url)
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login-form button[type=submit]")  # a touch: the browser lets sound start
    expect(page.locator('.lane[data-lane="north"] .counts b').first).to_be_visible()
    return page


def wait_until(page: Any, expression: str) -> None:
    """Poll ``expression`` in the page (wait_for_function evaluates strings, which the
    page's CSP forbids) until it is true."""
    for _ in range(WAIT_MS // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def cues(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("Cues.played.map((c) => ({kind: c.kind, muted: c.muted}))"))


def test_each_outcome_has_its_own_sound_and_a_fever_alarms_until_acknowledged(
    browser: Any, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sam")
    assert page.evaluate("Cues.locked") is False, "WebAudio did not start after the login click"
    live_server.screen("north", colour="green")
    expect(page.locator("body")).to_have_attribute("data-last-cue", "ADMIT")
    live_server.screen("north", colour="yellow")
    expect(page.locator("body")).to_have_attribute("data-last-cue", "RECHECK")
    live_server.screen("north", colour="red")
    expect(page.locator("body")).to_have_attribute("data-last-cue", "DENY")

    live_server.screen("south", temperature=38.4)
    alarm = page.locator("#alarm")
    expect(alarm).to_be_visible()
    expect(alarm).to_contain_text("38.4 °C")
    # it sounds again and again while nobody acknowledges it
    wait_until(page, "Cues.played.filter((c) => c.kind === 'fever').length >= 3")
    page.keyboard.press("a")  # the shortcut acknowledges it
    expect(alarm).to_be_hidden()
    expect(page.locator("body")).to_have_attribute("data-alarm", "off")
    fevers = sum(1 for c in cues(page) if c["kind"] == "fever")
    page.wait_for_timeout(2000)  # longer than the alarm's period: no fever cue came after
    assert sum(1 for c in cues(page) if c["kind"] == "fever") == fevers
    kinds = [c["kind"] for c in cues(page)]
    assert kinds[:3] == ["ADMIT", "RECHECK", "DENY"]
    page.context.close()


def test_the_mute_switch_silences_and_is_kept(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sam", locale="en-GB")
    mute = page.locator("#mute")
    expect(mute).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("m")
    expect(mute).to_have_attribute("aria-pressed", "true")
    expect(mute).to_contain_text("Sound off")
    live_server.screen("north", temperature=38.0)
    expect(page.locator("#alarm")).to_be_visible()  # muted, the alarm still shows
    wait_until(page, "Cues.played.length >= 1")
    assert all(c["muted"] for c in cues(page))
    page.click("#alarm-ack")
    page.reload()
    expect(page.locator("#mute")).to_have_attribute("aria-pressed", "true")  # kept
    page.click("#mute")
    expect(page.locator("#mute")).to_have_attribute("aria-pressed", "false")
    page.context.close()


def test_the_lane_view_for_the_queue(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sue", viewport={"width": 1280, "height": 800})
    live_server.screen("north", colour="red")
    north = page.locator('.lane[data-lane="north"]')
    expect(north.locator(".outcome")).to_have_text("禁止通行")
    page.keyboard.press("1")
    expect(page.locator("body")).to_have_class(re.compile(r"\bqueue\b"))
    expect(page.locator('.lane[data-lane="south"]')).to_be_hidden()
    expect(page.locator(".top")).to_be_hidden()
    assert "lane=north" in page.url
    # legible from 3 m: the outcome's letters at least a fifth of the screen's height
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.lane.focused .outcome')).fontSize)"
    )
    assert size >= 0.2 * 800 * 0.99, size
    expect(north.locator(".symbol")).to_have_text("✕")
    shot(page, "lane-view-deny-zh-CN.png")
    for colour, symbol, word in (("green", "✓", "通行"), ("yellow", "↻", "请复测")):
        live_server.screen("north", colour=colour)
        expect(north.locator(".outcome")).to_have_text(word)
        expect(north.locator(".symbol")).to_have_text(symbol)
    shot(page, "lane-view-recheck-zh-CN.png")
    # the view survives a reload (a tablet on a stand restarts into it)
    page.reload()
    expect(page.locator("body")).to_have_class(re.compile(r"\bqueue\b"))
    page.keyboard.press("Escape")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bqueue\b"))
    expect(page.locator('.lane[data-lane="south"]')).to_be_visible()
    page.context.close()


def test_shortcuts_and_a_supervisor_override_from_the_keyboard(
    browser: Any, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sue", locale="en-GB")
    live_server.screen("south", colour="red")
    expect(page.locator('.lane[data-lane="south"] button.override')).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    expect(page.locator("#shortcuts-dialog")).to_contain_text("Acknowledge the fever alarm")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-dialog")).to_be_hidden()
    page.keyboard.press("o")
    expect(page.locator("#override-dialog")).to_be_visible()
    expect(page.locator("#override-current")).to_contain_text("code red")
    page.keyboard.press("Escape")
    page.context.close()


def test_the_desk_on_a_phone(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(
        browser, live_server, "sam", viewport={"width": 375, "height": 812}, has_touch=True
    )
    live_server.screen("north", temperature=38.6)
    expect(page.locator("#alarm")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px wider than the phone"
    shot(page, "fever-alarm-phone-zh-CN.png")
    page.locator("#alarm-ack").tap()
    expect(page.locator("#alarm")).to_be_hidden()
    page.locator('.lane[data-lane="north"] .lane-view').tap()
    expect(page.locator("body")).to_have_class(re.compile(r"\bqueue\b"))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the lane view is {overflow} px wider than the phone"
    page.context.close()
