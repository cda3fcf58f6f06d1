"""The community's pages in a real headless Chromium, against a real gateway process (its lanes'
thermometers and scanners simulated on real pseudo-terminals), in Chinese and in English, on
a phone and on a desk: households (import with a bad row, issue passes, the printable sheet),
visitors (register one, its pass decoded off the screen and admitted at the gate, cancel),
duty (sign in to a lane, hand over, unstaffed lanes, a resident out late, a manual
registration) and the daily report (printable, CSV and PDF).

Screenshots go to docs/screenshots/ only with UPDATE_SCREENSHOTS=1 (tests/screenshots.py).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from edge.rules.policy import Policy
from tests.browser import launch, requires_chromium
from tests.community.live import LiveGate, live_gate
from tests.screenshots import shot

pytestmark = [pytest.mark.browser, requires_chromium]

WAIT_MS = 15_000
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
#: out at most twice in two days; back within about two seconds (so a test sees one late)
POLICY = Policy.model_validate(
    {"household": {"exits_per_period": 2, "period_hours": 48, "return_within_hours": 0.0005}}
)
REGISTRY = (
    "楼栋,单元,房号,姓名,电话,身份证后四位,有智能手机\n"
    "3,2,501,王伟,13800000001,1234,是\n3,2,501,李芳,,,是\n3,2,502,张敏,,,否\n"
)
#: what may stay Latin on a Chinese page: names of formats and of things
DATA = {"PDF", "CSV", "XLSX", "QR", "UTF", "GB"}
#: ... and data: the users, the community and its street
DATA |= {"staff", "supervisor", "Sunny", "Garden", "Jiefang", "Street", "Jiang", "an"}


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGate]:
    with live_gate(tmp_path_factory.mktemp("pages"), POLICY, REGISTRY) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()


def log_in(browser: Any, gate: LiveGate, path: str, user: str, locale: str, viewport: Any) -> Any:
    """Asked for without a login, a page sends to the checkpoint's login and back."""
    from playwright.sync_api import expect

    context = browser.new_context(locale=locale, viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{gate.url}{path}")
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", user)
    page.fill("#password", gate.ws.passwords[user])
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(rf"^http://[^/]+{re.escape(path)}$"))
    expect(page.locator("#who-name")).to_contain_text(user)
    return page


def english_left(page: Any) -> set[str]:
    """Latin words on the page that are neither data (translate="no") nor the language menu."""
    text = page.evaluate(
        """() => { const c = document.body.cloneNode(true);
        for (const n of c.querySelectorAll('[translate="no"], [data-i18n-menu], script, style,'
          + ' select, [hidden], dialog')) n.remove();
        document.body.append(c); const t = c.innerText; c.remove(); return t; }"""
    )
    return set(re.findall(r"[A-Za-z]{2,}", text)) - DATA


def shown(page: Any, image: str) -> None:
    """Wait until ``image`` has loaded (the page's CSP allows no string evaluation, so
    Playwright's wait_for_function cannot poll)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not page.locator(image).evaluate("(img) => img.complete && img.naturalWidth > 0"):
        assert time.monotonic() < deadline, f"{image} did not load"
        page.wait_for_timeout(100)


def fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "wider than the phone"


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in document)


def download(page: Any, selector: str) -> bytes:
    with page.expect_download() as caught:
        page.click(selector)
    path = caught.value.path()
    return Path(path).read_bytes()


# -- households ---------------------------------------------------------------------------------
def test_households_import_with_a_bad_row_then_passes_on_a_phone_in_chinese(
    gate: LiveGate, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, gate, "/households", "supervisor", "zh-CN", PHONE)
    try:
        expect(page.locator('.nav a[href="/households"]')).to_have_text("住户")
        expect(page.locator('.nav a[href="/households"]')).to_have_attribute("aria-current", "page")
        expect(page.locator("#found")).to_have_text("2 户")
        # A file with a bad phone number on its third line: nothing imported, the row named.
        bad = tmp_path / "楼9.csv"
        bad.write_text(
            "楼栋,单元,房号,姓名,电话,有智能手机\n9,1,101,赵磊,13900000001,是\n"
            "9,1,101,赵敏,电话坏了,否\n9,1,102,孙丽,,否\n",
            encoding="utf-8",
        )
        page.set_input_files("#import-file", str(bad))
        page.click("#import-form button[type=submit]")
        result = page.locator("#import-result")
        expect(result.locator(".error")).to_have_text("未导入：有 1 行需要修改。")
        row = result.locator('tr[data-line="3"]')
        expect(row).to_contain_text("电话")
        expect(row).to_contain_text("不是有效的电话号码")
        expect(page.locator("#found")).to_have_text("2 户")  # nothing half-imported
        shot(page, "households-import-phone-zh-CN.png", full_page=True)
        # Fixed: imported.
        bad.write_text(bad.read_text(encoding="utf-8").replace("电话坏了", ""), encoding="utf-8")
        page.set_input_files("#import-file", str(bad))
        page.click("#import-form button[type=submit]")
        expect(result).to_contain_text("已导入")
        expect(result).to_contain_text("新增 2 户")
        expect(page.locator("#found")).to_have_text("4 户")
        # Find the new household by a member's name, tick both members, issue their passes.
        page.fill("#search", "赵")
        expect(page.locator("#found")).to_have_text("1 户")
        page.click('tr[data-household] >> text="9-1-101"')
        expect(page.locator("#household-label")).to_have_text("9-1-101")
        expect(page.locator("#members")).to_contain_text("赵敏")
        for box in page.locator("#members [data-tick]").all():
            box.check()
        page.click("#issue-selected")
        expect(page.locator("#batch-result")).to_contain_text("共 2 张")
        expect(page.locator('#members tr[data-member] >> text="还没有通行证"')).to_have_count(0)
        sheet = download(page, "#batch-result a[data-sheet]")
        assert sheet.startswith(b"%PDF")
        printed = pdf_text(sheet)
        assert "社区通行证" in printed and "赵磊" in printed and "9-1-101" in printed
        expect(page.locator("#batches tr[data-batch]")).to_have_count(1)
        assert english_left(page) == set(), "English left on the Chinese page"
        fits(page, PHONE["width"])
        shot(page, "households-phone-zh-CN.png", full_page=True)
    finally:
        page.context.close()


def test_staff_look_the_registry_up_but_do_not_change_it_in_english(
    gate: LiveGate, browser: Any
) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, gate, "/households", "staff", "en-GB", DESK)
    try:
        expect(page.locator("#staff-note")).to_be_visible()
        for hidden in ("#household-form", "#import-form", "#passes-form"):
            expect(page.locator(hidden)).to_be_hidden()
        page.fill("#search", "3-2-501")
        page.click('tr[data-household] >> text="3-2-501"')
        expect(page.locator("#members")).to_contain_text("王伟")
        expect(page.locator("#members")).to_contain_text("13800000001")
        expect(page.locator("#member-form")).to_be_hidden()
        expect(page.locator("#members [data-tick]")).to_have_count(0)
        # The API refuses staff whatever the page shows.
        with gate.client("staff") as staff:
            refused = staff.post("/api/community/households", json={"building": "1", "room": "1"})
        assert refused.status_code == 403
    finally:
        page.context.close()


# -- visitors -----------------------------------------------------------------------------------
def test_a_visitor_is_registered_and_the_pass_on_the_screen_opens_the_gate(
    gate: LiveGate, browser: Any
) -> None:
    import cv2
    import numpy as np
    from playwright.sync_api import expect

    from firmware_interfaces.camera.decoder import Decoder

    page = log_in(browser, gate, "/visitors", "staff", "en-GB", DESK)
    try:
        page.fill("#host-search", "3-2-502")
        expect(page.locator("#host option")).to_have_count(1)
        expect(page.locator("#host option")).to_contain_text("3-2-502")
        page.fill('#visit-form input[name="name"]', "Zhao Lei")
        page.fill('#visit-form input[name="reason"]', "bringing groceries")
        page.click("#visit-form button[type=submit]")
        panel = page.locator("#pass-panel")
        expect(panel).to_be_visible()
        expect(page.locator("#pass-name")).to_have_text("Zhao Lei")
        expect(page.locator("#pass-host")).to_have_text("3-2-502")
        shown(page, "#pass-qr")
        # The QR code as the screen shows it decodes to the pass the gateway signed...
        image = cv2.imdecode(
            np.frombuffer(page.locator("#pass-qr").screenshot(), np.uint8), cv2.IMREAD_COLOR
        )
        texts = Decoder().decode(image, budget_ms=2000)
        with gate.client("staff") as staff:
            visit = next(
                v for v in staff.get("/api/community/visits").json() if v["name"] == "Zhao Lei"
            )
        assert texts == [visit["pass_text"]]
        # ... which the gate admits: the visitor of 3-2-502.
        admitted = gate.screen("in", texts[0])
        assert (admitted["outcome"], admitted["rule"]) == ("ADMIT", "visitor")
        row = page.locator(f'tr[data-visit="{visit["visit_id"]}"]')
        expect(row).to_contain_text("valid now")
        shot(page, "visitors-en.png", full_page=True)
        # Printed, only the pass is on the paper.
        page.emulate_media(media="print")
        page.evaluate("document.body.classList.add('printing-pass')")
        expect(page.locator("#pass-qr")).to_be_visible()
        expect(page.locator("#visits")).to_be_hidden()
        expect(page.locator("#visit-form")).to_be_hidden()
        page.evaluate("document.body.classList.remove('printing-pass')")
        page.emulate_media(media="screen")
        # Cancelled: the row says so, and the gate refuses the same pass at once.
        page.once("dialog", lambda dialog: dialog.accept())
        row.locator("[data-cancel]").click()
        expect(row).to_contain_text("cancelled")
        expect(panel).to_be_hidden()
        refused = gate.screen("in", texts[0])
        assert (refused["outcome"], refused["reason"]) == ("DENY", "visit cancelled")
    finally:
        page.context.close()


def test_the_visitors_page_in_chinese_on_a_phone(gate: LiveGate, browser: Any) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, gate, "/visitors", "staff", "zh-CN", PHONE)
    try:
        page.fill("#host-search", "王伟")
        expect(page.locator("#host option")).to_have_count(1)
        expect(page.locator("#host option")).to_contain_text("3-2-501")
        page.fill('#visit-form input[name="name"]', "钱多多")
        page.fill('#visit-form input[name="reason"]', "送药")
        page.click("#visit-form button[type=submit]")
        expect(page.locator("#pass-panel h2")).to_have_text("访客通行证")
        expect(page.locator("#msg")).to_have_text("访客已登记，通行证已生成。")
        expect(page.locator("#visits")).to_contain_text("当前有效")
        shown(page, "#pass-qr")
        assert english_left(page) == set(), "English left on the Chinese page"
        fits(page, PHONE["width"])
        shot(page, "visitors-phone-zh-CN.png", full_page=True)
    finally:
        page.context.close()


# -- duty ---------------------------------------------------------------------------------------
def test_sign_in_hand_over_and_see_who_is_out_late_in_chinese(gate: LiveGate, browser: Any) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, gate, "/duty", "staff", "zh-CN", PHONE)
    try:
        lane_in, lane_out = page.locator('[data-lane="in"]'), page.locator('[data-lane="out"]')
        # Both lanes' devices work and nobody is signed in: said on the page.
        expect(lane_in).to_contain_text("无人值班")
        expect(lane_in.locator("[role=alert]")).to_contain_text("无人签到值班")
        lane_out.locator("[data-sign-in]").click()
        expect(lane_out).to_contain_text("staff 值班")
        expect(lane_out).to_have_class(re.compile("staffed"))
        expect(lane_in).to_have_class(re.compile("unstaffed"))
        # A resident goes out and is not back in time: raised while still out.
        wang = gate.ws.issuer.issue(gate.members["3-2-501"][0], "green", days=30)
        out = gate.screen("out", wang)
        assert (out["outcome"], out["on_duty"]) == ("ADMIT", "staff")
        late = page.locator("#out-late")
        expect(late).to_be_visible(timeout=20_000)
        expect(page.locator("#out-late-count")).to_have_text("1 位居民超时未归")
        expect(late.locator("tr[data-member]")).to_contain_text("王伟")
        expect(late.locator("tr[data-member]")).to_contain_text("3-2-501")
        # A manual registration by whoever is on duty: decided, in Chinese.
        form = page.locator("#manual-form")
        form.locator('select[name="lane"]').select_option("out")
        form.locator('select[name="category"]').select_option("elderly")
        form.locator('input[name="temperature"]').fill("36.5")
        form.locator('input[name="id_last4"]').fill("123x")
        form.locator('input[name="reason"]').fill("没有智能手机")
        form.locator("button[type=submit]").click()
        decided = page.locator('#manual-result [data-outcome="ADMIT"]')
        expect(decided).to_contain_text("人工登记（老人）")
        expect(decided).to_contain_text("没有智能手机")
        assert english_left(page) == set(), "English left on the Chinese page"
        fits(page, PHONE["width"])
        shot(page, "duty-phone-zh-CN.png", full_page=True)
        # The shift ends with a handover note...
        lane_out.locator("textarea[data-note]").fill("3号楼王伟外出未归，请留意")
        lane_out.locator("[data-sign-out]").click()
        expect(lane_out).to_contain_text("无人值班")
        # ... which the next shift sees (a supervisor on a desk, in English).
        desk = log_in(browser, gate, "/duty", "supervisor", "en-GB", DESK)
        try:
            card = desk.locator('[data-lane="out"]')
            expect(card.locator('[data-handover="out"]')).to_have_text("3号楼王伟外出未归，请留意")
            expect(card).to_contain_text("Handover note from staff")
            card.locator("[data-sign-in]").click()
            expect(desk.locator("#msg")).to_have_text(
                "Signed in. Read the handover note from staff."
            )
            expect(card).to_contain_text("supervisor on duty since")
            expect(desk.locator("#out-late-count")).to_have_text(
                "1 resident is out past the time due back"
            )
            shot(desk, "duty-en.png", full_page=True)
            with gate.client("supervisor") as supervisor:
                ended = supervisor.post("/api/community/duty/sign-out", json={"lane": "out"})
                assert ended.status_code == 200
        finally:
            desk.context.close()
        # Back in: no longer out late (on the in-lane, late: the policy asks for a recheck).
        back = gate.screen("in", wang)
        assert back["rule"] == "household-late-return"
        expect(late).to_be_hidden(timeout=20_000)
    finally:
        page.context.close()


# -- the daily report ---------------------------------------------------------------------------
def test_the_daily_report_prints_and_downloads_in_chinese(gate: LiveGate, browser: Any) -> None:
    from playwright.sync_api import expect

    zhang = gate.ws.issuer.issue(gate.members["3-2-502"][0], "green", days=30)
    gate.screen("out", zhang)
    page = log_in(browser, gate, "/report", "staff", "zh-CN", PHONE)
    try:
        expect(page.locator("#report-title")).to_contain_text("Sunny Garden")
        expect(page.locator("#report-title")).to_contain_text("日报")
        exits = page.locator('tr[data-figure="exits"] td.num')
        expect(exits).not_to_have_text("0")
        expect(page.locator('tr[data-figure="exits"]')).to_contain_text("外出人次")
        csv_bytes = download(page, "#csv")
        assert csv_bytes.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
        assert rows[0] == ["类别", "项目", "数值"]
        figures = {row[1]: row[2] for row in rows if row and row[0] == "统计"}
        assert int(figures["外出人次（出口通道）"]) >= 1
        pdf = download(page, "#pdf")
        assert pdf.startswith(b"%PDF") and "日报" in pdf_text(pdf)
        # Printed: the report without the page's controls.
        page.emulate_media(media="print")
        expect(page.locator("#day-form")).to_be_hidden()
        expect(page.locator("header.top")).to_be_hidden()
        expect(page.locator("#printed")).to_be_visible()
        page.emulate_media(media="screen")
        assert english_left(page) == set(), "English left on the Chinese page"
        fits(page, PHONE["width"])
        shot(page, "report-phone-zh-CN.png", full_page=True)
    finally:
        page.context.close()


def test_the_daily_report_of_another_day_in_english(gate: LiveGate, browser: Any) -> None:
    from playwright.sync_api import expect

    page = log_in(browser, gate, "/report", "supervisor", "en-GB", DESK)
    try:
        expect(page.locator('tr[data-figure="exits"]')).to_contain_text("people out (exit lanes)")
        yesterday = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))
        page.fill("#day", yesterday)
        page.dispatch_event("#day", "change")
        expect(page.locator("#report-title")).to_contain_text(yesterday)
        expect(page.locator('tr[data-figure="exits"] td.num')).to_have_text("0")
        expect(page.locator("#csv")).to_have_attribute("href", re.compile(f"day={yesterday}"))
        shot(page, "report-en.png", full_page=True)
    finally:
        page.context.close()
