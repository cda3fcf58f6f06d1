"""The communities at the centre (issue 11), on SQLite and PostgreSQL: which gates are staffed
(the gateways' lane-duty stream), the daily reports rolled up by street and district (the
registry places each community), through the storage, ``central-monitor gateways`` and the
REST API; the page in Chromium, in Chinese on a phone."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from cloud_sync.monitor.app import create_app
from cloud_sync.monitor.ingest import classify
from cloud_sync.monitor.storage import Storage, open_storage
from cloud_sync.monitor.storage.registry import Entry
from tests.brokers import free_port, wait_for_port
from tests.browser import launch, requires_chromium
from tests.monitor.helpers import birth, data, death
from tests.monitor.logins import VIEWER, VIEWER_PASSWORD, as_viewer, settings_with_users
from tests.monitor.processes import REPO

DAY, YESTERDAY = "2026-11-30", "2026-11-29"
FIGURES = ("screenings", "entries", "exits", "passages", "admitted", "denied", "rechecks",
           "fevers", "overrides", "manual_registrations", "visits_registered",
           "visitor_passages", "household_refusals", "late_returns", "open_alerts", "shifts",
           "staff_on_duty")  # fmt: skip


def duty(gateway: str, lane: str, *, staffed: bool, active: bool, seq: int, rev: int = 1) -> Any:
    body = {"lane": lane, "direction": "out" if lane == "out" else "in", "staffed": staffed,
            "active": active, "staff": int(staffed),
            "changed_at": "2026-11-30T01:00:00Z"}  # fmt: skip
    return data(gateway, "lane-duty", key=lane, seq=seq, rev=rev, body=body)


def report(gateway: str, day: str, seq: int, rev: int = 1, **figures: Any) -> Any:
    body: dict[str, Any] = {"day": day, **dict.fromkeys(FIGURES, 0)}
    body.update(denied_by_reason={}, stock={})
    body.update(figures)
    return data(gateway, "daily-report", key=day, seq=seq, rev=rev, body=body)


def place(storage: Storage) -> None:
    """Three communities in two streets of one district, one in another district."""
    for gateway, community, street, district in (
        ("gw-sunny-n", "Sunny Garden", "Jiefang Street", "Jiang'an"),
        ("gw-sunny-s", "Sunny Garden", "Jiefang Street", "Jiang'an"),
        ("gw-pine", "Pine Estate", "Jiefang Street", "Jiang'an"),
        ("gw-lake", "Lakeside", "Xinhua Street", "Jiang'an"),
        ("gw-hill", "Hilltop", "Zhongnan Street", "Wuchang"),
    ):
        assert storage.registry.add(Entry(gateway, community, "", street, district), now=1.0)


def feed(storage: Storage, *messages: Any) -> None:
    now = time.time()
    storage.writer.apply([classify(topic, payload, now) for topic, payload in messages])


def fill(storage: Storage) -> None:
    place(storage)
    feed(
        storage,
        *(birth(gw, 1) for gw in ("gw-sunny-n", "gw-sunny-s", "gw-pine", "gw-lake", "gw-x")),
        death("gw-lake", 1),
        duty("gw-sunny-n", "in", staffed=True, active=True, seq=1),
        duty("gw-sunny-n", "out", staffed=False, active=True, seq=2),
        duty("gw-sunny-s", "in", staffed=False, active=False, seq=1),
        duty("gw-pine", "in", staffed=True, active=True, seq=1),
        duty("gw-lake", "in", staffed=True, active=True, seq=1),
        duty("gw-x", "in", staffed=False, active=True, seq=1),  # nobody registered it
        report("gw-sunny-n", DAY, 3, entries=40, exits=30, fevers=1, staff_on_duty=2,
               denied=3, denied_by_reason={"fever": 1, "household-exit-limit": 2}),
        report("gw-sunny-s", DAY, 2, entries=10, exits=5, staff_on_duty=1,
               denied=1, denied_by_reason={"fever": 1}),
        report("gw-pine", DAY, 2, entries=7, exits=7, manual_registrations=2),
        report("gw-lake", DAY, 2, entries=1),
        report("gw-hill", DAY, 1, entries=100),  # registered, never born: its reports count
        report("gw-x", DAY, 2, entries=999),  # held apart
        report("gw-sunny-n", YESTERDAY, 4, entries=11),
    )  # fmt: skip


def test_gates_on_duty_per_community(storage: Storage) -> None:
    fill(storage)
    gates = storage.communities.gates()
    assert [g["community"] or f"({g['gateway']})" for g in gates] == [
        "Lakeside", "Pine Estate", "Sunny Garden", "(gw-x)",
    ]  # fmt: skip
    sunny = gates[2]
    assert (sunny["street"], sunny["district"]) == ("Jiefang Street", "Jiang'an")
    assert (sunny["lanes"], sunny["lanes_staffed"], sunny["lanes_unstaffed"]) == (3, 1, 1)
    north = next(g for g in sunny["gateways"] if g["gateway"] == "gw-sunny-n")
    assert [(lane["lane"], lane["staffed"], lane["unstaffed"]) for lane in north["lanes"]] == [
        ("in", True, False),
        ("out", False, True),
    ]
    lake = gates[0]
    assert lake["gateways_offline"] == 1 and lake["gateways"][0]["online"] is False
    stranger = gates[3]
    assert (stranger["registered"], stranger["street"], stranger["lanes_unstaffed"]) == (
        False, "", 1,
    )  # fmt: skip
    # A lane signed in later: the newer revision is what counts.
    feed(storage, duty("gw-sunny-n", "out", staffed=True, active=True, seq=5, rev=2))
    sunny = next(g for g in storage.communities.gates() if g["community"] == "Sunny Garden")
    assert (sunny["lanes_staffed"], sunny["lanes_unstaffed"]) == (2, 0)
    assert [g["community"] for g in storage.communities.gates("Pine Estate")] == ["Pine Estate"]


def test_daily_reports_roll_up_by_street_and_district(storage: Storage) -> None:
    fill(storage)
    daily = storage.communities.daily(DAY)
    by_community = {c["community"] or c["gateway"]: c for c in daily["communities"]}
    sunny = by_community["Sunny Garden"]
    assert (sunny["gateways"], sunny["entries"], sunny["exits"], sunny["staff_on_duty"]) == (
        2, 50, 35, 3,
    )  # fmt: skip
    assert sunny["denied_by_reason"] == {"fever": 2, "household-exit-limit": 2}
    streets = {(s["district"], s["street"]): s for s in daily["streets"]}
    assert streets["Jiang'an", "Jiefang Street"]["entries"] == 57  # Sunny Garden + Pine Estate
    assert streets["Jiang'an", "Jiefang Street"]["communities"] == 2
    assert streets["Jiang'an", "Jiefang Street"]["manual_registrations"] == 2
    assert streets["Jiang'an", "Xinhua Street"]["entries"] == 1
    districts = {d["district"]: d for d in daily["districts"]}
    assert districts["Jiang'an"]["entries"] == 58 and districts["Jiang'an"]["communities"] == 3
    assert districts["Wuchang"]["entries"] == 100
    assert districts["Jiang'an"]["denied_by_reason"] == {"fever": 2, "household-exit-limit": 2}
    # The unregistered gateway is held apart: in the total, in no street or district.
    assert by_community["gw-x"]["registered"] is False
    assert sum(d["entries"] for d in daily["districts"]) == 158
    assert daily["total"]["entries"] == 158 + 999
    # A revised report replaces its day's figures; another day is its own.
    feed(storage, report("gw-pine", DAY, 9, rev=2, entries=8, exits=8))
    again = storage.communities.daily(DAY)
    assert {s["street"]: s["entries"] for s in again["streets"]}["Jiefang Street"] == 58
    assert storage.communities.daily(YESTERDAY)["total"]["entries"] == 11
    assert storage.communities.days() == [DAY, YESTERDAY]
    assert storage.communities.daily("2020-01-01")["communities"] == []


def gateways(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cloud_sync.monitor.cli", "gateways", *args, "--db", db]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


def test_the_registry_places_communities_in_streets_and_districts(store_url: str) -> None:
    added = gateways(
        store_url, "add", "gw-a", "--community", "Sunny Garden", "--street", "Jiefang Street",
        "--district", "Jiang'an",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "(Jiefang Street, Jiang'an)" in added.stdout
    moved = gateways(store_url, "set", "gw-a", "--street", "Xinhua Street")
    assert moved.returncode == 0, moved.stderr
    assert "(Xinhua Street, Jiang'an)" in moved.stdout
    listed = json.loads(gateways(store_url, "list", "--json").stdout)["registered"]
    assert [(r["community"], r["street"], r["district"]) for r in listed] == [
        ("Sunny Garden", "Xinhua Street", "Jiang'an")
    ]
    table = gateways(store_url, "list").stdout
    assert "STREET" in table and "Xinhua Street" in table
    bad = gateways(store_url, "set", "gw-a", "--district", "x" * 101)
    assert bad.returncode == 2 and "district" in bad.stderr


def test_the_rest_api(storage: Storage, tmp_path: Path) -> None:
    fill(storage)
    app = create_app(settings_with_users(tmp_path), storage=storage)
    with TestClient(app) as client:
        assert client.get("/api/duty").status_code == 401  # a login first
        gates = client.get("/api/duty", headers=as_viewer()).json()
        assert [g["community"] for g in gates if g["registered"]] == [
            "Lakeside", "Pine Estate", "Sunny Garden",
        ]  # fmt: skip
        latest = client.get("/api/daily-reports", headers=as_viewer()).json()
        assert latest["day"] == DAY and latest["days"] == [DAY, YESTERDAY]
        assert latest["total"]["entries"] == 1157
        older = client.get(f"/api/daily-reports?day={YESTERDAY}", headers=as_viewer()).json()
        assert older["total"]["entries"] == 11
        assert client.get("/api/daily-reports?day=30/11", headers=as_viewer()).status_code == 422
        page = client.get("/communities", headers={**as_viewer(), "Accept-Language": "zh-CN"})
        assert page.status_code == 200 and "卡口值班情况" in page.text
        assert "script-src 'self' 'sha256-" in page.headers["content-security-policy"]
        assert 'href="communities"' in client.get("/", headers=as_viewer()).text


@pytest.fixture
def centre_url(tmp_path: Path) -> Iterator[str]:
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    fill(storage)
    settings = settings_with_users(tmp_path, http_port=free_port())
    app = create_app(settings, storage=storage)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.http_port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="communities", daemon=True)
    thread.start()
    wait_for_port(settings.http_port)
    yield f"http://127.0.0.1:{settings.http_port}/"
    server.should_exit = True
    thread.join(10)
    storage.close()


@pytest.mark.browser
@requires_chromium
def test_the_page_in_chinese_on_a_phone(centre_url: str) -> None:
    import re

    from playwright.sync_api import expect, sync_playwright

    from tests.screenshots import shot

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
            page.set_default_timeout(15_000)
            page.goto(centre_url)
            page.fill("#username", VIEWER)
            page.fill("#password", VIEWER_PASSWORD)
            page.click("#login-form button[type=submit]")
            page.click('a[href="communities"]')
            expect(page.locator("body[data-loaded='1']")).to_have_count(1)
            expect(page.locator("#gates-title")).to_have_text("卡口值班情况")
            expect(page.locator("#gates-summary")).to_have_text(
                "共 6 条通道，3 条有人值班；2 条设备在工作但无人值班。"
            )
            sunny = page.locator('#gates [data-community="Sunny Garden"]')
            expect(sunny.locator('[data-lane="gw-sunny-n/out"]')).to_contain_text("无人值班")
            expect(sunny.locator('[data-lane="gw-sunny-n/in"]')).to_contain_text("1 人值班")
            expect(page.locator('#gates [data-community="Lakeside"]')).to_contain_text("离线")
            street = page.locator('#daily tr[data-street="Jiang\'an/Jiefang Street"]')
            expect(street.locator("td").nth(1)).to_have_text("57")
            expect(page.locator('#daily tr[data-district="Wuchang"] td').nth(1)).to_have_text("100")
            expect(page.locator("#daily tr[data-total] td").nth(0)).to_have_text("全部社区")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            shot(page, "centre-communities-phone-zh-CN.png", full_page=True)
            page.select_option("#day", YESTERDAY)
            expect(page.locator("#daily tr[data-total] td").nth(1)).to_have_text("11")
            assert re.search(f"day={YESTERDAY}", page.url)
        finally:
            browser.close()
