"""Publishing from the dashboard, behind the roles, and the distribution page in Chromium.

An officer publishes notices and status changes; only an admin publishes trust material and
policies; a viewer only looks. The page shows who has heard, and the form's notice reaches a
gateway (through the monitor process that keeps the broker filled).
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from cloud_sync.distribution.kinds import Kind
from cloud_sync.monitor.app import create_app
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.monitor.storage import open_storage
from cloud_sync.monitor.storage.registry import Entry
from edge.auth.passwords import hash_password
from tests.brokers import free_port, wait_for_port
from tests.browser import ARGS, CHROMIUM, need_chromium
from tests.distribution.conftest import World, wait_for
from tests.distribution.processes import Centre, centre_keys

PASSWORDS = {"viewer": "viewer-pass-1", "officer": "officer-pass-1", "admin": "admin-pass-1"}


def users_file(folder: Path) -> Path:
    path = folder / "users.toml"
    path.write_text(
        "".join(
            f'[[users]]\nusername = "{role}"\nrole = "{role}"\n'
            f'password_hash = "{hash_password(password, n=2**8)}"\n'
            for role, password in PASSWORDS.items()
        )
    )
    return path


def basic(role: str) -> dict[str, str]:
    token = base64.b64encode(f"{role}:{PASSWORDS[role]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def centre(world: World, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    private, trusted = centre_keys(tmp_path / "centre")
    world.keys_dir = trusted
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    process = Centre(world.broker.port, db, tmp_path / "centre").start()
    yield private, db
    process.stop()


async def test_roles_decide_who_may_publish_what(
    world: World, centre: tuple[Path, str], tmp_path: Path
) -> None:
    key, db = centre
    gate = world.gate("gw-a")
    await gate.start()
    unsigned = create_app(MonitorSettings(db=db, users_file=users_file(tmp_path)))
    with TestClient(unsigned) as client:
        answer = client.post(
            "/api/distribution/notices", json={"title": "x"}, headers=basic("officer")
        )
        assert answer.status_code == 503 and "signing key" in answer.json()["detail"]
    settings = MonitorSettings(db=db, users_file=users_file(tmp_path), signing_key_file=key)
    with TestClient(create_app(settings)) as client:
        notice = {"scope": "all", "title": "Masks at the gate", "severity": "warning"}
        assert (
            client.post("/api/distribution/notices", json=notice, headers=basic("viewer"))
        ).status_code == 403
        made = client.post("/api/distribution/notices", json=notice, headers=basic("officer"))
        assert made.status_code == 200, made.text
        policy = {"scope": "gateway:gw-a", "policy": {"fever_threshold_c": 37.6}}
        assert (
            client.post("/api/distribution/policy", json=policy, headers=basic("officer"))
        ).status_code == 403
        bad = {"scope": "gateway:gw-a", "policy": {"fever_threshold_c": 99}}
        refused = client.post("/api/distribution/policy", json=bad, headers=basic("admin"))
        assert refused.status_code == 422 and "fever_threshold_c" in refused.json()["detail"]
        done = client.post("/api/distribution/policy", json=policy, headers=basic("admin"))
        assert done.status_code == 200, done.text
        status = {"scope": "community:willow-court", "text": "p-9,revoked\n"}
        assert (
            client.post("/api/distribution/status-list", json=status, headers=basic("officer"))
        ).status_code == 200
        again = client.post("/api/distribution/status-list", json=status, headers=basic("officer"))
        assert again.status_code == 409  # nothing changes
        audit = client.get("/api/distribution/publications", headers=basic("viewer")).json()
        assert [(p["kind"], p["published_by"], p["source"]) for p in audit] == [
            ("status-list", "officer", "dashboard"),
            ("policy", "admin", "dashboard"),
            ("notice", "officer", "dashboard"),
        ]
        assert client.get("/distribution").status_code in (303, 307, 401)
        page = client.get("/distribution", headers=basic("viewer"))
        assert page.status_code == 200 and "script-src" in page.headers["content-security-policy"]
    await wait_for(
        lambda: gate.colour("p-9") == "revoked", what="the form's revocation at the gate"
    )
    assert gate.policy is not None
    await wait_for(
        lambda: gate.policy is not None and gate.policy.current.fever_threshold_c == 37.6
    )


@pytest.mark.browser
async def test_an_officer_publishes_a_notice_from_the_page_and_sees_who_heard_it(
    world: World, centre: tuple[Path, str], tmp_path: Path
) -> None:
    need_chromium()
    from playwright.async_api import async_playwright

    key, db = centre
    gate = world.gate("gw-a")
    storage = open_storage(db)
    storage.registry.add(Entry("gw-a", "willow-court"), 0.0)
    storage.close()
    await gate.start()
    settings = MonitorSettings(
        db=db, users_file=users_file(tmp_path), signing_key_file=key, http_port=free_port()
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=settings.http_port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    wait_for_port(settings.http_port)
    base = f"http://127.0.0.1:{settings.http_port}/"
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = await browser.new_page()
            await page.goto(base + "distribution")
            await page.fill("#username", "officer")
            await page.fill("#password", PASSWORDS["officer"])
            await page.click("#login-form button[type=submit]")
            await page.wait_for_url(base)  # the dashboard, then its link to distribution
            await page.click("a[href=distribution]")
            await page.wait_for_selector("body[data-loaded='1']")
            assert await page.is_visible("#notice-form")
            assert not await page.is_visible("#policy-form")  # admins only
            await page.fill("#notice-form input[name=title]", "Out of thermometer batteries?")
            await page.select_option("#notice-form select[name=severity]", "critical")
            await page.click("#notice-form button[type=submit]")
            await page.wait_for_selector("#notice-form .result.ok")
            await wait_for(lambda: gate.held(Kind.NOTICE, "all") > 0)
            row = page.locator("tr[data-publication]").first
            await row.click()

            # The page's CSP forbids eval, so its text is read and waited for from here.
            async def shows(selector: str, words: str) -> None:
                deadline = asyncio.get_running_loop().time() + 30
                while words not in (await page.text_content(selector) or ""):
                    assert asyncio.get_running_loop().time() < deadline, selector
                    await asyncio.sleep(0.2)

            await shows("#detail", "Every gateway in scope holds it")
            await shows("#publications", "1 / 1")  # the table, at its next refresh
            await browser.close()
    finally:
        server.should_exit = True
        thread.join(10)
