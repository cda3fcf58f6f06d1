"""The dashboard page in a real headless Chromium: gateways, alerts, charts, stock, phone width."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from cloud_sync.monitor.app import create_app
from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.storage import open_storage
from tests.brokers import free_port, wait_for_port
from tests.browser import launch, requires_chromium
from tests.monitor.helpers import alert_body, birth, data, death, register, stock_body, window
from tests.monitor.logins import VIEWER, VIEWER_PASSWORD, settings_with_users

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
]


@pytest.fixture
def monitor_url(tmp_path: Path) -> Iterator[str]:
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    now = time.time()
    register(storage, "gw-riverside", "Riverside")
    register(storage, "gw-hilltop", "Hilltop")
    messages = [
        birth("gw-riverside", 1, community="Riverside"),
        birth("gw-hilltop", 1, community="Hilltop"),
        death("gw-hilltop", 1),
        birth("gw-stranger", 1, community="Riverside"),  # nobody registered it
        window("gw-stranger", "l1", "2026-11-29T01:00:00Z", 500, 400, seq=1),
        window("gw-riverside", "l1", "2026-11-29T01:00:00Z", 20, 3, seq=1, reasons={"fever": 3}),
        window("gw-riverside", "l1", "2026-11-29T01:05:00Z", 25, 1, seq=2, reasons={"fever": 1}),
        data(
            "gw-riverside", "stock", key="masks", seq=3, body=stock_body("masks", 4, "box", 0.5, 10)
        ),
        data(
            "gw-riverside",
            "alert",
            key="fever-7",
            seq=4,
            body=alert_body("fever-7", "fever", "critical", message="<b>38.9 °C</b> at lane 1"),
        ),
    ]
    storage.writer.apply([classify(topic, payload, now) for topic, payload in messages])
    settings = settings_with_users(tmp_path, http_port=free_port(), dashboard_refresh_s=0.5)
    app = create_app(settings, storage=storage)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.http_port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    wait_for_port(settings.http_port)
    yield f"http://127.0.0.1:{settings.http_port}/"
    server.should_exit = True
    thread.join(10)
    storage.close()


def test_dashboard_shows_the_fleet_on_a_phone(monitor_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(monitor_url)  # not logged in: the login form first
            page.fill("#username", VIEWER)
            page.fill("#password", VIEWER_PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page.locator("body[data-loaded='1']")).to_have_count(1, timeout=15_000)

            offline = page.locator("tr[data-gateway='gw-hilltop']")
            expect(offline).to_contain_text("OFFLINE")
            expect(page.locator("tr[data-gateway='gw-riverside']")).to_contain_text("ONLINE")

            alert = page.locator("#alerts tr[data-alert='fever-7']")
            expect(alert).to_contain_text("CRITICAL")
            # Text from a gateway is shown as text, never run as HTML.
            expect(alert).to_contain_text("<b>38.9 °C</b>")
            expect(page.locator("#fever")).to_contain_text("Riverside")

            chart = page.locator("#screenings [data-community='Riverside']")
            expect(chart).to_contain_text("45 screened, 4 denied")  # the stranger's not in it
            stranger = page.locator("#screenings [data-community='unregistered: gw-stranger']")
            expect(stranger).to_contain_text("500 screened, 400 denied")
            row = page.locator("tr[data-gateway='gw-stranger']")
            expect(row).to_contain_text("UNREGISTERED")
            expect(row).to_contain_text("says Riverside")
            expect(page.locator("#registry tr[data-registered='gw-hilltop']")).to_contain_text(
                "Hilltop"
            )
            expect(chart.locator("svg polyline")).to_have_count(2)
            expect(page.locator("#denials")).to_contain_text("fever")
            expect(page.locator("#stock tr[data-item='masks'] .low")).to_have_count(2)

            # Nothing overflows the phone's width, and no request leaves the monitor.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            sideways = page.evaluate(
                "[...document.querySelectorAll('section')]"
                ".filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.id)"
            )
            assert sideways == []
            assert all(url.startswith(monitor_url) for url in requests)
        finally:
            browser.close()


#: data on the Chinese dashboard: gateways, communities, items, units, the stored alert's text
DATA = {"gw", "riverside", "hilltop", "stranger", "Riverside", "Hilltop", "masks", "box", "ID"}
DATA |= {"central", "monitor", "gateways", "add", "community", "NAME", "HTTP"}
DATA |= {"at", "lane"}  # the gateway's own alert text, "<b>38.9 °C</b> at lane 1", as stored


def test_dashboard_in_chinese_filtered_by_community_on_a_phone(monitor_url: str) -> None:
    import re

    from playwright.sync_api import expect, sync_playwright

    from tests.screenshots import shot

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context(
                locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
            )
            page = context.new_page()
            page.goto(monitor_url)
            expect(page.locator("#login-form button")).to_have_text("登录")
            page.fill("#username", VIEWER)
            page.fill("#password", VIEWER_PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page.locator("body[data-loaded='1']")).to_have_count(1, timeout=15_000)
            expect(page.locator("tr[data-gateway='gw-hilltop']")).to_contain_text("离线")
            expect(page.locator("tr[data-gateway='gw-stranger']")).to_contain_text("未登记")
            expect(page.locator("#denials tr[data-reason='fever']").first).to_contain_text("发热")
            chart = page.locator("#screenings [data-community='Riverside']")
            expect(chart).to_contain_text("Riverside：检测 45 人次，禁止通行 4 人次")
            # a table's cells carry their headings: each row a card on the phone
            cell = page.locator("tr[data-gateway='gw-hilltop'] td").nth(1)
            assert cell.get_attribute("data-label") == "状态"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            # One community: the others' rows go, and the choice is kept in the address.
            page.select_option("#community", "c:Riverside")
            expect(page.locator("tr[data-gateway='gw-hilltop']")).to_have_count(0)
            expect(page.locator("tr[data-gateway='gw-stranger']")).to_have_count(0)
            expect(page.locator("tr[data-gateway='gw-riverside']")).to_have_count(1)
            assert "community=c%3ARiverside" in page.url
            page.reload()
            expect(page.locator("body[data-loaded='1']")).to_have_count(1, timeout=15_000)
            expect(page.locator("#community")).to_have_value("c:Riverside")

            text = page.evaluate(
                """() => { const c = document.body.cloneNode(true);
                for (const n of c.querySelectorAll('[translate="no"], [data-i18n-menu], script,'
                  + ' style, select, code')) n.remove();
                document.body.append(c); const t = c.innerText; c.remove(); return t; }"""
            )
            left = set(re.findall(r"[A-Za-z]{2,}", text)) - DATA
            assert left == set(), "English left on the Chinese dashboard"
            shot(page, "dashboard-filtered-phone-zh-CN.png", full_page=True)

            # The distribution page, in the same language.
            page.click("a[href='distribution']")
            expect(page.locator("body[data-loaded='1']")).to_have_count(1, timeout=15_000)
            expect(page.locator("h1")).to_have_text("下发情况：谁已收到")
            expect(page.locator("#publications")).to_contain_text("尚未发布任何内容。")
            context.close()
        finally:
            browser.close()
