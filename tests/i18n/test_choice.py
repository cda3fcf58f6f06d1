"""Which language a page is served in: the browser's, the one chosen in the page's menu (a
cookie), or the one the configuration pins; Chinese when the browser asks for none there is."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cloud_sync.monitor.app import create_app as monitor_app
from edge.i18n.negotiate import accepted, choose
from edge.web import WebSettings, create_app
from tests.gate import Gate
from tests.monitor.logins import settings_with_users
from tests.web.conftest import write_users

LANGUAGES = ["en", "zh-CN"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("zh-TW,zh;q=0.9", "zh-CN"),  # any Chinese reads the simplified catalogue
        ("fr-FR,fr;q=0.9", "zh-CN"),  # nothing there: the users read Chinese first
        ("fr;q=1, en;q=0.5", "en"),
        ("en;q=0, zh", "zh-CN"),
        ("", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_the_browsers_language(header: str | None, expected: str) -> None:
    assert choose(LANGUAGES, accept_language=header) == expected


def test_a_choice_on_the_page_and_a_pinned_language() -> None:
    assert choose(LANGUAGES, chosen="en", accept_language="zh-CN") == "en"
    assert choose(LANGUAGES, chosen="xx", accept_language="en") == "en"
    assert choose(LANGUAGES, pinned="en", chosen="zh-CN", accept_language="zh-CN") == "en"
    assert accepted("da, en-gb;q=0.8, en;q=0.7") == ["da", "en-gb", "en"]


@pytest.fixture
def gate_settings(tmp_path: Path) -> WebSettings:
    secret = tmp_path / "session.key"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    return WebSettings(users_file=write_users(tmp_path / "users.toml"), session_secret_file=secret)


def test_the_gateway_page_follows_the_browser_unless_pinned(
    gate_settings: WebSettings, tmp_path: Path
) -> None:
    gate = Gate(tmp_path)  # not opened: the page and its catalogue need no lanes
    with TestClient(create_app(gate_settings, gate.checkpoint)) as client:
        zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert '<html lang="zh-CN">' in zh.text and "工作人员登录" in zh.text
        assert zh.headers["content-language"] == "zh-CN"
        assert "Accept-Language" in zh.headers["vary"]
        en = client.get("/", headers={"Accept-Language": "en-GB"})
        assert '<html lang="en">' in en.text and "Staff login" in en.text
        chosen = client.get("/", headers={"Accept-Language": "zh-CN", "Cookie": "ccg_lang=en"})
        assert "Staff login" in chosen.text
        script = client.get("/i18n/catalogue.js", headers={"Accept-Language": "zh-CN"})
        assert script.text.startswith("window.I18N_CATALOGUE = ")
        assert '"language": "zh-CN"' in script.text and "禁止通行" in script.text
        assert client.get("/i18n/zh-cn.json").json()["available"] == ["en", "zh-CN"]
        assert client.get("/i18n/xx.json").status_code == 404
    pinned = gate_settings.model_copy(update={"language": "en"})
    with TestClient(create_app(pinned, gate.checkpoint)) as client:
        page = client.get("/", headers={"Accept-Language": "zh-CN", "Cookie": "ccg_lang=zh-CN"})
        assert '<html lang="en">' in page.text
        assert client.get("/i18n/en.json").json()["available"] == []  # no menu


def test_the_monitor_pins_with_its_language_setting(tmp_path: Path) -> None:
    settings = settings_with_users(tmp_path, db=f"sqlite:///{tmp_path / 'm.db'}")
    with TestClient(monitor_app(settings)) as client:
        assert "中心监控台" in client.get("/login", headers={"Accept-Language": "zh"}).text
        assert "Central monitor" in client.get("/login", headers={"Accept-Language": "en"}).text
    pinned = settings.model_copy(update={"language": "zh-CN"})
    with TestClient(monitor_app(pinned)) as client:
        assert "中心监控台" in client.get("/login", headers={"Accept-Language": "en"}).text
