"""The staff page in Chinese and in English, in a real Chromium: every word of the page and of
what the gateway says (reasons, device states, notices, errors) in the browser's language,
24-hour local times, and a Latin word on the Chinese page only where it is data (a lane's or a
device's name). Screenshots go to docs/screenshots/ (shown in the README)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from edge.core.events import DeviceInputRejected, DeviceStatus, ScreeningPending
from tests.browser import launch, need_chromium
from tests.screenshots import shot
from tests.web.conftest import PASSWORDS, LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000
#: data, not words: the test gate's users, code format and lane names
DATA = {"sam", "sue", "test", "North", "South", "gate"}  # "gate": in "North gate"
#: technical words a Chinese text writes as they are
DATA |= {"USB", "SD", "MQTT", "ID"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = launch(pw)
        yield instance
        instance.close()


def log_in(browser: Any, live: LiveServer, user: str, locale: str, **context: Any) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", **context).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(live.url)
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("#login-form button[type=submit]")
    expect(page.locator("#who-name")).to_contain_text(user)
    expect(page.locator('.lane[data-lane="north"] .counts b').first).to_be_visible()
    return page


#: the page's text as a person sees it, less what is marked as data (translate="no": names,
#: ids, the policy's fingerprint) and the language menu (each language in its own words)
VISIBLE_WORDS = """() => {
  const copy = document.body.cloneNode(true);
  for (const node of copy.querySelectorAll('[translate="no"], [data-i18n-menu], script, style'))
    node.remove();
  document.body.append(copy);
  copy.style.position = "absolute";
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


def latin_words(page: Any) -> set[str]:
    """Words in Latin letters on the page as a person sees it, less the data."""
    text = page.evaluate(VISIBLE_WORDS)
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in DATA}


def test_the_login_follows_the_browser(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    for locale, title, wrong in (
        ("zh-CN", "工作人员登录", "用户名或密码错误"),
        ("en-US", "Staff login", "wrong username or password"),
    ):
        page = browser.new_context(locale=locale).new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(live_server.url)
        expect(page.locator("#login-title")).to_have_text(title)
        page.fill("#username", "sam")
        page.fill("#password", "not-it")
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-error")).to_have_text(wrong)
        assert page.evaluate("document.documentElement.lang") == locale.split("-")[0] + (
            "-CN" if locale == "zh-CN" else ""
        )
        if locale == "zh-CN":
            assert latin_words(page) == set()
        shot(page, f"login-{locale}.png")
        page.context.close()


def test_the_staff_page_in_chinese(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sue", "zh-CN")
    north = page.locator('.lane[data-lane="north"] .decision')
    south = page.locator('.lane[data-lane="south"] .decision')
    expect(north.locator(".outcome")).to_have_text("就绪")

    live_server.publish(ScreeningPending("north", 1.0, "code", temperature=36.6))
    expect(north.locator(".reason")).to_have_text("等待扫码")

    live_server.screen("north", temperature=38.1)
    expect(north.locator(".outcome")).to_have_text("禁止通行")
    expect(north.locator(".symbol")).to_have_text("✕")
    expect(north.locator(".reason")).to_have_text("体温异常 38.1 °C")
    expect(page.locator("#alarm")).to_contain_text("发热报警")
    page.click("#alarm-ack")
    expect(page.locator("#alarm")).to_be_hidden()

    live_server.screen("south", colour="red")
    expect(south.locator(".outcome")).to_have_text("禁止通行")
    expect(south.locator(".reason")).to_have_text("健康码为红码")
    live_server.screen("south", colour="yellow")
    expect(south.locator(".outcome")).to_have_text("请复测")
    live_server.screen("south", colour="expired")
    expect(south.locator(".reason")).to_have_text("健康码已过期")
    live_server.screen("north", temperature=36.5)
    expect(north.locator(".outcome")).to_have_text("通行")
    expect(north.locator(".reason")).to_have_text("绿码，体温 36.5 °C")
    # a 24-hour time, never AM/PM
    time_text = north.locator("time").inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", time_text), time_text

    live_server.publish(
        DeviceInputRejected(
            "south-scanner", "bad base45", 2.0, "south", "unreadable code: scan again"
        )
    )
    expect(south.locator(".outcome")).to_have_text("请重新扫码")
    expect(south.locator(".reason")).to_have_text("无法识别，请重新扫码")
    live_server.publish(
        DeviceStatus("north-scanner", "scanner", "unplugged", "not opened yet", 3.0)
    )
    live_server.publish(
        DeviceStatus("south-scanner", "scanner", "unplugged", "no such USB device attached", 3.0)
    )
    expect(page.locator('[data-device="north-scanner"] .badge')).to_have_text("已断开")
    expect(page.locator('[data-device="north-scanner"]')).to_contain_text("尚未打开")
    expect(page.locator(".lane[data-lane=south] .counts")).to_contain_text("禁止通行")

    assert latin_words(page) == set(), "English left on the Chinese page"
    shot(page, "staff-zh-CN.png", full_page=True)

    page.set_viewport_size({"width": 375, "height": 812})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a 375 px phone"
    shot(page, "staff-phone-zh-CN.png", full_page=True)
    page.context.close()


def test_the_staff_page_in_english(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, live_server, "sam", "en-GB")
    north = page.locator('.lane[data-lane="north"] .decision')
    live_server.screen("north", temperature=38.1)
    expect(north.locator(".outcome")).to_have_text("DENY")
    expect(north.locator(".reason")).to_have_text("fever 38.1 °C")
    time_text = north.locator("time").inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}:\d{2}", time_text), time_text  # 24-hour, no AM/PM
    page.click("#alarm-ack")
    live_server.screen("south", colour="green", temperature=36.4)
    shot(page, "staff-en.png", full_page=True)
    page.context.close()


def test_a_refused_field_is_said_in_the_pages_language(
    browser: Any, live_server: LiveServer
) -> None:
    """A 422 names each field's problem in the catalogue's words; the page says it in Chinese
    (never pydantic's English, never the input)."""
    live_server.screen("north", temperature=38.2)
    page = log_in(browser, live_server, "sue", "zh-CN")
    said = page.evaluate(
        """() => Shell.api("/api/screenings/1/override", {method: "POST",
             body: JSON.stringify({outcome: "A".repeat(30), reason: "R".repeat(2000)})})
           .then(() => "accepted", (error) => error.message)"""
    )
    page.context.close()
    assert "超过 20 个字" in said and "超过 500 个字" in said, said  # each field's problem
    assert "RRRR" not in said and "AAAA" not in said, said
    assert not re.search(r"[A-Za-z]{3,}", re.sub("outcome|reason", "", said)), said
