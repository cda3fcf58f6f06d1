"""Issue 9's proof with real processes: a Mosquitto, ``central-monitor run``, ``edge-gateway run``
gateways on simulated devices, and the ``central-monitor`` commands a duty officer types.

- A resident's pass is revoked at the centre; the next scan of it at any gate is DENY with the
  reason (the time from publish to DENY is printed).
- A gateway offline during three publications of each kind comes back holding the latest.
- Forged, replayed, older, out-of-scope and truncated items are refused, the reason reaches the
  centre, and the gateway keeps what it had.
- The broker, the monitor and a gateway restarted during a publication: every gateway still
  converges, and "who has heard" says so.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloud_sync.distribution.frames import head_topic, item_frame
from cloud_sync.distribution.items import Item, sign_item
from cloud_sync.distribution.keys import private_key_from_pem
from cloud_sync.distribution.kinds import Kind, Mode, Scope
from cloud_sync.monitor.distribution.heard import Heard
from cloud_sync.monitor.storage import open_storage
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.distribution.gateways import GatewayProcess
from tests.distribution.helpers import new_key
from tests.distribution.processes import Centre, centre_keys

BIN = Path(sys.executable).parent
WILLOW = Scope.parse("community:willow-court")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@dataclass
class District:
    root: Path
    broker: Mosquitto
    centre: Centre
    key: Path
    db: str
    gates: list[GatewayProcess]

    def monitor(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "central-monitor"), *argv, "--db", self.db],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def publish(self, kind: str, *argv: str, scope: str = "community:willow-court") -> Any:
        done = self.monitor(
            "publish", kind, *argv, "--scope", scope, "--key", str(self.key), "--json"
        )
        assert done.returncode == 0, (done.stdout, done.stderr, self.centre.tail())
        return json.loads(done.stdout)

    def heard(self) -> Heard:
        return Heard(open_storage(self.db).backend)

    async def converged(self, limit: float = 120.0) -> list[dict[str, Any]]:
        """Wait until every gateway holds the latest of every stream it is in; the view."""
        storage = open_storage(self.db)
        try:
            heard = Heard(storage.backend)
            deadline = time.monotonic() + limit
            while True:
                rows = await asyncio.to_thread(heard.gateways)
                if rows and not any(r["lags"] for r in rows):
                    return rows
                assert time.monotonic() < deadline, json.dumps(rows, indent=1)[-3000:]
                await asyncio.sleep(0.25)
        finally:
            storage.close()


@pytest.fixture
async def district(tmp_path: Path) -> AsyncIterator[District]:
    broker = Mosquitto(tmp_path / "broker", persistence=True).start()
    key, trusted = centre_keys(tmp_path / "centre-keys")
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    centre = Centre(broker.port, db, tmp_path / "centre").start()
    gates: list[GatewayProcess] = []
    try:
        async with (
            GatewayProcess(tmp_path, "gw-1", broker_port=broker.port, trusted=trusted) as one,
            GatewayProcess(tmp_path, "gw-2", broker_port=broker.port, trusted=trusted) as two,
        ):
            one.make()
            two.make(pass_keys=one.public_key)  # one issuer for the community's passes
            district = District(tmp_path, broker, centre, key, db, [one, two])
            for gate in (one, two):
                done = district.monitor("gateways", "add", gate.gateway, "--community",
                                        "willow-court")  # fmt: skip
                assert done.returncode == 0, done.stderr
                gate.start()
            for gate in (one, two):
                await gate.ready()
            gates.extend((one, two))
            yield district
    finally:
        centre.stop()
        broker.stop()


async def test_revoked_at_the_centre_denied_at_every_gate_and_an_absent_gate_catches_up(
    district: District,
) -> None:
    one, two = district.gates
    code, pass_id = one.issue("r-0001")
    assert (await two.screen(code))["outcome"] == "ADMIT"

    # 1. Revoke at the centre; the next scan at any gate is DENY with the reason.
    revoke = district.root / "revoke.csv"
    revoke.write_text(f"pass_id,colour\n{pass_id},revoked\n")
    published_at = time.time()
    district.publish("status-list", str(revoke))
    deny = None
    while deny is None:
        decided = await two.screen(code)
        if decided["outcome"] == "DENY":
            deny = decided
    print(
        f"\npublish to DENY at gw-2: {deny['seen_at'] - published_at:.2f} s"
        " (scanning again and again)"
    )
    assert deny["reason"] == "code revoked"
    at_one = await one.screen(code)
    assert (at_one["outcome"], at_one["reason"]) == ("DENY", "code revoked")

    # 2. gw-2 is away for three publications of each kind; back, it holds the latest.
    two.stop()
    others = [one.issue(f"r-01{n}") for n in range(3)]
    for n in range(3):
        changes = district.root / f"changes-{n}.csv"
        changes.write_text(f"{others[n][1]},red\n")
        district.publish("status-list", str(changes))
        policy = district.root / f"policy-{n}.json"
        policy.write_text(json.dumps({"fever_threshold_c": 37.5 - n / 10}))
        district.publish("policy", str(policy), scope="gateway:gw-2")
        district.publish("notice", "--title", f"Notice {n}", "--severity", "warning", scope="all")
    two.start()
    await two.ready()
    await district.converged()
    policy_now = await two.get("/api/policy")
    assert policy_now["fever_threshold_c"] == 37.3 and policy_now["source"] == "central"
    titles = [n["title"] for n in await two.get("/api/notices")]
    assert sorted(titles) == ["Notice 0", "Notice 1", "Notice 2"]
    assert (await two.screen(others[2][0]))["outcome"] == "DENY"  # red
    assert (await two.screen(code))["outcome"] == "DENY"

    # 3. Forged, replayed, older, out-of-scope and truncated items: refused, reason acked.
    storage = open_storage(district.db)
    try:
        heard = Heard(storage.backend)

        def refusal() -> str:
            for g in heard.gateways():
                if g["gateway"] == "gw-1":
                    for s in g["kinds"]["status-list"]["streams"]:
                        return str(s["refused_reason"])
            return ""

        settings = MqttSettings(host="127.0.0.1", port=district.broker.port, client_id="attacker")
        async with MqttClient(settings) as attacker:
            await attacker.wait_connected(10)
            seen: list[bytes] = []
            await attacker.subscribe(head_topic(WILLOW, Kind.STATUS_LIST))
            async for message in attacker.messages():
                seen.append(message.payload)  # the retained head: the latest item, as sent
                break
            captured = json.loads(seen[0])["item"]
            fresh = district.root / "fresh.csv"
            fresh.write_text("someone-else,yellow\n")
            district.publish("status-list", str(fresh))  # the captured item is now older
            await district.converged()
            centre_key = private_key_from_pem(district.key.read_bytes(), "centre")
            version = int(time.time() * 1000) + 10_000
            attacks = {
                "forged": sign_item(
                    new_key(), "centre-1",
                    Item(Kind.STATUS_LIST, WILLOW, version, Mode.SNAPSHOT, 0, 1.0,
                         {"entries": {pass_id: "green"}}),
                ),
                "older": captured,
                "out-of-scope": sign_item(
                    centre_key, "centre-1",
                    Item(Kind.STATUS_LIST, Scope.parse("community:elm-row"), version,
                         Mode.SNAPSHOT, 0, 1.0, {"entries": {pass_id: "green"}}),
                ),
                "damaged": captured[: len(captured) // 2],
            }  # fmt: skip
            for category, text in attacks.items():
                # Not retained: an attacker who could write there could also clobber the head,
                # which the broker's ACL forbids (only the centre writes ccg/v1/dist/...).
                await attacker.publish(head_topic(WILLOW, Kind.STATUS_LIST), item_frame(text))
                deadline = time.monotonic() + 60
                while not refusal().startswith(category + ":"):
                    assert time.monotonic() < deadline, (category, refusal())
                    await asyncio.sleep(0.2)
    finally:
        storage.close()
    # Through all of it, both gates kept what they had.
    assert (await one.screen(code))["outcome"] == "DENY"
    assert (await two.screen(code))["reason"] == "code revoked"


async def test_broker_monitor_and_a_gateway_restarted_during_a_publication_converge(
    district: District,
) -> None:
    one, two = district.gates
    code, pass_id = one.issue("r-0002")
    # A big list (parts on the broker), then the centre dies while it would send the next.
    whole = district.root / "whole.csv"
    whole.write_text("\n".join(f"p{n:07d},green" for n in range(30_000)) + f"\n{pass_id},green\n")
    district.publish("status-list", str(whole), "--replace")
    await district.converged()
    district.centre.kill()
    revoke = district.root / "revoke.csv"
    revoke.write_text(f"{pass_id},revoked\n")
    published = district.publish("status-list", str(revoke))  # recorded, nobody sends it yet
    district.broker.stop()
    one.stop()
    district.broker.start()
    one.start()
    district.centre.start()
    await one.ready()
    await district.converged()
    assert (await one.screen(code))["reason"] == "code revoked"
    assert (await two.screen(code))["reason"] == "code revoked"
    storage = open_storage(district.db)
    try:
        shown = Heard(storage.backend).publication(published["publication"])
    finally:
        storage.close()
    assert shown is not None
    assert (shown["audience"], shown["heard"], shown["not_heard"]) == (2, 2, 0)


@pytest.mark.browser
async def test_a_notice_is_a_banner_until_read_and_the_centre_sees_the_reader_and_reply(
    district: District,
) -> None:
    from playwright.async_api import async_playwright

    from tests.browser import ARGS, CHROMIUM, need_chromium

    need_chromium()
    one, _two = district.gates
    published = district.publish(
        "notice", "--title", "Thermometer batteries", "--text", "Tell us if you run short",
        "--severity", "warning", scope="all",
    )  # fmt: skip
    await district.converged()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = await browser.new_page()
        await page.goto(one.url + "/")
        await page.fill("#username", one.staff[0])
        await page.fill("#password", one.staff[1])
        await page.click("#login-form button[type=submit]")
        banner = page.locator(f"article[data-notice='{published['notice_id']}']")
        await banner.wait_for(timeout=30_000)  # the banner comes at the next look (10 s)
        assert "Thermometer batteries" in (await banner.text_content() or "")
        await banner.locator("input.notice-reply-text").fill("We are out of batteries")
        await banner.locator("button.notice-send").click()
        await banner.locator(".notice-status").filter(has_text="Sent").wait_for()
        await banner.locator("button.notice-read").click()
        await banner.wait_for(state="detached")  # read: the banner goes
        await browser.close()
    storage = open_storage(district.db)
    try:
        heard = Heard(storage.backend)
        deadline = time.monotonic() + 60
        while True:
            [notice] = [n for n in heard.notices() if n["id"] == published["notice_id"]]
            if notice["reads"] and notice["replies"]:
                break
            assert time.monotonic() < deadline, notice
            await asyncio.sleep(0.3)
    finally:
        storage.close()
    assert [(r["gateway"], r["user"]) for r in notice["reads"]] == [("gw-1", one.staff[0])]
    assert [r["text"] for r in notice["replies"]] == ["We are out of batteries"]
    assert notice["unread_at"] == ["gw-2"]
