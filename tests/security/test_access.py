"""Issue 12, item 14: every page and API behind one login, one navigation, and the same
security headers on every response, at the gateway and at the centre.

Before: the storeroom's page and read API answered without login, its page had no login and no
way back to the checkpoint, only ``/`` sent security headers, ``/metrics`` was open, and the
central dashboard and its REST API were open to anyone who could reach them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.browser import launch, requires_chromium
from tests.security.conftest import GatewayProcess
from tests.security.probes import assert_security_headers

OPEN = {("GET", "/healthz"), ("POST", "/api/login"), ("POST", "/api/logout")}


def _routes(gateway: GatewayProcess, token: str) -> set[tuple[str, str]]:
    schema = httpx.get(
        f"{gateway.url}/openapi.json", headers={"Authorization": f"Bearer {token}"}
    ).json()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_gateway_route_needs_a_login(gateway: GatewayProcess) -> None:
    with httpx.Client() as client:
        token = gateway.login(client, "supervisor")
    routes = _routes(gateway, token)
    assert ("GET", "/api/storeroom/items") in routes and ("GET", "/metrics") in routes
    anonymous = httpx.Client(headers={"Origin": gateway.url})
    for method, path in sorted(routes - OPEN):
        url = gateway.url + path.replace("{", "").replace("}", "")
        response = anonymous.request(method, url, json={} if method == "POST" else None)
        assert response.status_code == 401, (method, path, response.status_code)
        assert_security_headers(response)
    assert anonymous.get(f"{gateway.url}/openapi.json").status_code == 401
    assert anonymous.get(f"{gateway.url}/healthz").status_code == 200


def test_pages_send_a_stranger_to_the_login_and_back(gateway: GatewayProcess) -> None:
    with httpx.Client(headers={"Accept": "text/html"}) as stranger:
        for page in ("/storeroom", "/docs"):
            response = stranger.get(gateway.url + page)
            assert response.status_code == 303, page
            assert response.headers["location"] == f"/?next={page}"
            assert_security_headers(response)
        assert 'id="login-form"' in stranger.get(f"{gateway.url}/").text


def test_the_storeroom_page_and_api_answer_after_the_one_login(gateway: GatewayProcess) -> None:
    with httpx.Client() as client:
        gateway.login(client, "staff")
        page = client.get(f"{gateway.url}/storeroom")
        assert page.status_code == 200 and 'href="/"' in page.text  # the way back
        csp = page.headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in csp  # its own inline script, by hash, only
        assert client.get(f"{gateway.url}/api/storeroom/items").json()[0]["key"] == "masks"
        assert 'href="/storeroom"' in client.get(f"{gateway.url}/").text


def test_every_gateway_response_carries_the_security_headers(gateway: GatewayProcess) -> None:
    with httpx.Client() as client:
        responses = [
            client.get(f"{gateway.url}/"),
            client.get(f"{gateway.url}/healthz"),
            client.get(f"{gateway.url}/static/app.js"),
            client.get(f"{gateway.url}/nowhere"),
            client.get(f"{gateway.url}/api/me"),
            client.post(f"{gateway.url}/api/login", json={"username": "x", "password": "y"}),
            client.post(f"{gateway.url}/api/login", content=b"{", headers={"Origin": "http://x"}),
        ]
        gateway.login(client, "staff")
        responses += [
            client.get(f"{gateway.url}/storeroom"),
            client.get(f"{gateway.url}/docs"),
            client.get(f"{gateway.url}/api/storeroom/alerts"),
            client.get(f"{gateway.url}/metrics"),
        ]
    for response in responses:
        assert_security_headers(response)


def test_metrics_need_a_login_or_the_scrape_token(
    make_gateway: Callable[..., GatewayProcess],
) -> None:
    gateway = make_gateway(
        'metrics_token_file = "metrics.token"',
        files={"metrics.token": "a-scrape-token-of-32-characters!\n"},
    )
    assert httpx.get(f"{gateway.url}/metrics").status_code == 401
    wrong = httpx.get(f"{gateway.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    scrape = httpx.get(
        f"{gateway.url}/metrics",
        headers={"Authorization": "Bearer a-scrape-token-of-32-characters!"},
    )
    assert scrape.status_code == 200 and "ccg_screenings" in scrape.text
    # The scrape token opens /metrics and nothing else.
    other = httpx.get(
        f"{gateway.url}/api/screenings",
        headers={"Authorization": "Bearer a-scrape-token-of-32-characters!"},
    )
    assert other.status_code == 401


def test_metrics_can_be_made_public(make_gateway: Callable[..., GatewayProcess]) -> None:
    gateway = make_gateway("metrics_public = true")
    assert httpx.get(f"{gateway.url}/metrics").status_code == 200
    assert httpx.get(f"{gateway.url}/api/screenings").status_code == 401


@pytest.mark.browser
@requires_chromium
def test_one_login_and_one_navigation_across_the_pages(gateway: GatewayProcess) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(15_000)
            blocked: list[str] = []
            page.on(
                "console",
                lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
            )
            # A bookmark to the storeroom leads through the login and back to the storeroom.
            page.goto(f"{gateway.url}/storeroom")
            expect(page.locator("#login-form")).to_be_visible()
            page.fill("#username", "staff")
            page.fill("#password", gateway.passwords["staff"])
            page.click("#login-form button[type=submit]")
            page.wait_for_url(f"{gateway.url}/storeroom")
            expect(page.locator("#items .card[data-item='masks']")).to_have_count(1)
            # One navigation: back to the checkpoint, still logged in, and over again.
            page.click("header a[href='/']")
            expect(page.locator("#who-name")).to_contain_text("staff")
            page.click("nav a[href='/storeroom']")
            expect(page.locator("#items .card[data-item='masks']")).to_have_count(1)
            assert blocked == []
        finally:
            browser.close()
