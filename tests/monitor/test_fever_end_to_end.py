"""The fever alert, from the gate to the duty officer, with real processes: two ``edge-gateway
run`` gateways of one community on simulated devices, their uplinks to a real Mosquitto,
``central-monitor run`` storing and serving, and the dashboard in Chromium, in Chinese and in
English. Three residents with a fever, at two gates, within the centre's window: the community
gets one fever alert (counts only), shown on the dashboard; one fever fewer than the threshold
raises none."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.brokers import Mosquitto
from tests.browser import launch, need_chromium
from tests.distribution.gateways import GatewayProcess
from tests.distribution.processes import centre_keys
from tests.monitor.logins import VIEWER, VIEWER_PASSWORD
from tests.monitor.processes import MonitorProcess
from tests.screenshots import shot

BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(600)]
#: lane windows of 10 s, sent as soon as they end, so the test waits seconds, not minutes
FAST_WINDOWS = "window_s = 10\nwindow_settle_s = 0\n"


@dataclass
class District:
    monitor: MonitorProcess
    db: str
    gates: list[GatewayProcess]

    def fever_alerts(self) -> list[dict[str, Any]]:
        answer = self.monitor.get("/api/alerts?kind=fever")
        answer.raise_for_status()
        return [a for a in answer.json() if a.get("raised_by") == "centre"]


def register(db: str, gateway: str, community: str) -> None:
    """What the duty officer types: central-monitor gateways add."""
    added = subprocess.run(
        [str(BIN / "central-monitor"), "gateways", "add", gateway, "--community", community,
         "--db", db],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


@pytest.fixture
async def district(tmp_path: Path) -> AsyncIterator[District]:
    need_chromium()
    broker = Mosquitto(tmp_path / "broker").start()
    _key, trusted = centre_keys(tmp_path / "centre-keys")
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    monitor = MonitorProcess(
        broker.port, db, tmp_path / "centre", "--fever-threshold", "3", "--fever-window", "10"
    ).start()
    try:
        async with (
            GatewayProcess(tmp_path, "gw-north", broker_port=broker.port, trusted=trusted) as a,
            GatewayProcess(tmp_path, "gw-south", broker_port=broker.port, trusted=trusted) as b,
        ):
            a.make()
            b.make(pass_keys=a.public_key)  # one issuer for the community's passes
            for gate in (a, b):
                config = gate.folder / "gateway.toml"
                config.write_text(config.read_text() + FAST_WINDOWS)  # [uplink] is the last
                register(db, gate.gateway, "willow-court")
                gate.start()
            monitor.wait_up()
            for gate in (a, b):
                await gate.ready()
            yield District(monitor, db, [a, b])
    finally:
        monitor.stop()
        broker.stop()


async def until(check: Any, limit: float = 90.0) -> Any:
    deadline = time.monotonic() + limit
    while True:
        found = await asyncio.to_thread(check)
        if found:
            return found
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.5)


async def test_fever_denials_at_the_gates_raise_the_communitys_alert_on_the_dashboard(
    district: District,
) -> None:
    north, south = district.gates
    codes = [north.issue(f"r-{n:04d}")[0] for n in range(4)]
    assert (await north.screen(codes[0], 38.4))["reason"] == "fever 38.4 °C"
    assert (await south.screen(codes[1], 38.9))["rule"] == "fever"
    assert (await south.screen(codes[2], 36.5))["outcome"] == "ADMIT"

    # Two fevers reach the centre: below the threshold of three, no alert.
    def two_fevers_counted() -> bool:
        rows = district.monitor.get("/api/denials").json()
        return sum(r["count"] for r in rows if r["reason"] == "fever") >= 2

    await until(two_fevers_counted)
    assert district.fever_alerts() == []

    # The third, at the other gate: the community's alert opens.
    assert (await north.screen(codes[3], 39.0))["rule"] == "fever"
    alerts = await until(district.fever_alerts)
    (alert,) = alerts
    assert (alert["community"], alert["state"], alert["fevers"]) == ("willow-court", "open", 3)
    assert alert["message"] == "fever denials in the last 10 min: 3 (alert at 3)"
    # no personal data: no resident, pass, temperature or lane
    text = str(alert)
    assert "r-000" not in text and "38." not in text and "°C" not in text

    await asyncio.to_thread(dashboard_shows_it, district.monitor.url)


def dashboard_shows_it(url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            for locale, words in (
                ("zh-CN", ("最近 10 分钟内发热禁止通行 3 人次（告警阈值 3）", "发热告警")),
                ("en-GB", ("fever denials in the last 10 min: 3 (alert at 3)", "Fever alerts")),
            ):
                context = browser.new_context(
                    locale=locale, viewport={"width": 1280, "height": 900}
                )
                page = context.new_page()
                page.set_default_timeout(15_000)
                page.goto(url + "/")  # not logged in: the login form first
                shot(page, f"monitor-login-{locale}.png")
                page.fill("#username", VIEWER)
                page.fill("#password", VIEWER_PASSWORD)
                page.click("#login-form button[type=submit]")
                expect(page.locator("body[data-loaded='1']")).to_have_count(1)
                fever = page.locator("#fever")
                expect(fever).to_contain_text(words[0])
                expect(fever).to_contain_text("willow-court")
                expect(page.locator("#fever-section h2")).to_have_text(words[1])
                expect(page.locator("#t-fever")).to_have_text("1")
                expect(page.locator("#alerts")).to_contain_text(words[0])
                shot(page, f"dashboard-{locale}.png", full_page=True)
                if locale == "zh-CN":
                    page.set_viewport_size({"width": 390, "height": 844})
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= 390
                    shot(page, "dashboard-phone-zh-CN.png", full_page=True)
                context.close()
        finally:
            browser.close()
