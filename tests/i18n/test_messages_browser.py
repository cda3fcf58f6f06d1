"""i18n.js in a real Chromium, with the real Chinese catalogue: every message the gateway makes
(tests/i18n/samples.py) comes out in Chinese with no English left but data, and a few read
exactly as a gate worker says them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from edge.i18n import Catalogues
from tests.browser import launch, need_chromium
from tests.i18n.samples import DATA, decision_reasons, other_messages

pytestmark = pytest.mark.browser

TERMS = {"USB", "SD", "EU", "MQTT", "I/O", "RH", "Modbus", "JSON", "UTF"}
#: names of formats, units and programs, as Chinese text writes them too
TERMS |= {"XLSX", "CSV", "GB", "MB", "YYYY", "MM", "DD", "Debian", "TrueType"}


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    catalogue = Catalogues.load()["zh-CN"].as_json()
    script = resources.files("edge.i18n").joinpath("static", "i18n.js").read_text("utf-8")
    with sync_playwright() as pw:
        browser = launch(pw)
        tab = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
        tab.set_content('<!doctype html><html lang="zh-CN"><body></body></html>')
        tab.add_script_tag(content=f"window.I18N_CATALOGUE = {json.dumps(catalogue)};")
        tab.add_script_tag(content=script)
        yield tab
        browser.close()


def translate(page: Any, texts: list[str]) -> list[str]:
    return list(page.evaluate("(texts) => texts.map((t) => I18N.message(t))", texts))


def test_every_message_comes_out_in_chinese(page: Any) -> None:
    samples = decision_reasons() + other_messages()
    left = {}
    for english, chinese in zip(samples, translate(page, samples), strict=True):
        rest = chinese
        # the longest first: a term inside a piece of data ("USB" in "/dev/ttyUSB0") must not
        # cut it up before the data is taken out whole
        for data in sorted(DATA | TERMS, key=len, reverse=True):
            rest = rest.replace(data, "")
        if re.search(r"[A-Za-z]{2,}", rest):
            left[english] = chinese
    assert left == {}


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("fever 38.1 °C", "体温异常 38.1 °C"),
        ("code red", "健康码为红码"),
        ("code green, 36.5 °C", "绿码，体温 36.5 °C"),
        ("temperature 37.1 °C: measure again", "体温偏高（37.1 °C），请复测"),
        ("unreadable code: scan again", "无法识别，请重新扫码"),
        ("code expired", "健康码已过期"),
        (
            "vaccine product EU/1/20/1528 is not in the EU list",
            "疫苗产品“EU/1/20/1528”不在欧盟列表中",
        ),
        (
            "household 3-2-501 has used its 1 exit in 2 days: next exit tomorrow 08:00",
            "3-2-501户2天内1次外出机会已用完，下次可外出时间：明天 08:00",
        ),
        ("is longer than 500 characters", "超过 500 个字"),  # a field's problem (a 422)
        ("must be at least 1", "不能小于 1"),
        ("something the catalogue does not know", "something the catalogue does not know"),
    ],
)
def test_messages_read_as_a_gate_worker_says_them(page: Any, english: str, chinese: str) -> None:
    assert translate(page, [english]) == [chinese]


def test_times_are_24_hour_and_numbers_local(page: Any) -> None:
    at = datetime(2026, 11, 30, 15, 4, 5, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    assert page.evaluate(f"I18N.fmt.time({at})") == "15:04:05"  # never 03:04:05 PM
    assert page.evaluate("I18N.fmt.celsius(37.25)") in ("37.3 °C", "37.2 °C")
    assert page.evaluate("I18N.fmt.number(1234.5, 1)") == "1,234.5"
    assert page.evaluate("I18N.tn('{n} unreadable input', '{n} unreadable inputs', 3)") == (
        "3 次无法识别的输入"
    )
