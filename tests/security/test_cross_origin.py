"""Issue 12, item 13: a state-changing request must come from the page's own origin.

Before: a page on another port of the same host could POST to the gateway with a logged-in
supervisor's cookie (SameSite does not separate ports) and, say, reload the policy. Now every
state-changing route checks Origin (or Referer) against the gateway's own origin, port
included; API clients that authenticate with a bearer token or Basic (no cookie) are exempt.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import free_port
from tests.browser import launch, requires_chromium
from tests.gate import Gate
from tests.security.conftest import log_in
from tests.web.conftest import PASSWORDS, LiveServer


def _reload(client: httpx.Client, base: str, **headers: str) -> int:
    return client.post(f"{base}/api/policy/reload", headers=headers).status_code


def test_a_foreign_origin_is_refused_and_the_own_origin_accepted(live: LiveServer) -> None:
    port = int(live.url.rsplit(":", 1)[1])
    with httpx.Client() as browser:
        log_in(browser, live.url, "sue")
        assert _reload(browser, live.url, Origin=f"http://127.0.0.1:{port + 1}") == 403
        assert _reload(browser, live.url, Origin="http://evil.example") == 403
        assert _reload(browser, live.url, Origin="null") == 403
        assert _reload(browser, live.url, Referer=f"http://127.0.0.1:{port + 1}/x") == 403
        assert _reload(browser, live.url) == 403  # a cookie but nothing says where it came from
        assert _reload(browser, live.url, Origin=live.url) == 200
        assert _reload(browser, live.url, Referer=f"{live.url}/storeroom") == 200
        refused = browser.post(
            f"{live.url}/api/logout", headers={"Origin": f"http://127.0.0.1:{port + 1}"}
        )
        assert refused.status_code == 403 and "origin" in refused.json()["detail"]
        assert browser.get(f"{live.url}/api/me").status_code == 200  # still logged in


def test_a_login_from_a_foreign_page_is_refused(live: LiveServer) -> None:
    response = httpx.post(
        f"{live.url}/api/login",
        json={"username": "sam", "password": PASSWORDS["sam"]},
        headers={"Origin": "http://127.0.0.1:1"},
    )
    assert response.status_code == 403 and "ccg_session" not in response.headers.get(
        "set-cookie", ""
    )


def test_api_clients_with_a_token_or_basic_need_no_origin(live: LiveServer) -> None:
    with httpx.Client() as client:
        token = log_in(client, live.url, "sue")
    assert httpx.post(
        f"{live.url}/api/policy/reload", headers={"Authorization": f"Bearer {token}"}
    ).is_success
    assert httpx.post(f"{live.url}/api/policy/reload", auth=("sue", PASSWORDS["sue"])).is_success


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        page = (
            "<!doctype html><title>cats</title>"
            f'<form id="f" method="POST" action="{self.target}/api/policy/reload"></form>'
            "<script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def attacker_url(live: LiveServer) -> Iterator[str]:
    """A page on another port of the same host that POSTs a form to the gateway."""
    handler = type("Handler", (_AttackerPage,), {"target": live.url})
    server = http.server.HTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(5)


@pytest.mark.browser
@requires_chromium
def test_a_page_on_another_port_cannot_act_for_a_logged_in_supervisor(
    live: LiveServer, gate: Gate, attacker_url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    version = httpx.get(f"{live.url}/api/policy", auth=("sue", PASSWORDS["sue"])).json()
    Path(gate.policy_file).write_text("fever_threshold_c = 39.5\n")
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(live.url)
            page.fill("#username", "sue")
            page.fill("#password", PASSWORDS["sue"])
            page.click("#login-form button[type=submit]")
            expect(page.locator("#who-name")).to_contain_text("sue")
            # The supervisor opens another tab: a page on the same host, another port.
            attack = context.new_page()
            with attack.expect_navigation(url=f"{live.url}/api/policy/reload"):
                attack.goto(attacker_url)
            assert "origin" in attack.content()
            # The supervisor's own page still works: its requests carry its own origin.
            page.click("#logout")
            expect(page.locator("#login-form")).to_be_visible()
            assert context.request.get(f"{live.url}/api/me").status == 401
        finally:
            browser.close()
    after = httpx.get(f"{live.url}/api/policy", auth=("sue", PASSWORDS["sue"])).json()
    assert after["fever_threshold_c"] == version["fever_threshold_c"]  # not reloaded
