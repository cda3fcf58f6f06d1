"""Issue 12, item 11: logout, a password change and a supervisor's "sign out everyone" end
sessions at once, and sessions (and changed passwords) outlive a restart of the gateway.

Before: a session was a signed token that stayed valid for its 12 hours whatever happened; a
token copied before logout went on working.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser import launch, requires_chromium
from tests.security.conftest import GatewayProcess, client_at, log_in
from tests.web.conftest import PASSWORDS, LiveServer


def _me(base: str, token: str) -> int:
    return httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_copied_before_logout_stops_working(live: LiveServer) -> None:
    with httpx.Client() as browser:
        token = log_in(browser, live.url, "sam")
        cookie = browser.cookies["ccg_session"]
        assert _me(live.url, token) == 200
        assert browser.post(f"{live.url}/api/logout", headers={"Origin": live.url}).is_success
    assert _me(live.url, token) == 401
    with httpx.Client(cookies={"ccg_session": cookie}) as thief:
        assert thief.get(f"{live.url}/api/me").status_code == 401
        assert thief.get(f"{live.url}/api/screenings").status_code == 401


def test_an_open_live_stream_ends_with_its_session(live: LiveServer) -> None:
    with httpx.Client() as tablet:
        token = log_in(tablet, live.url, "sam")
        with tablet.stream("GET", f"{live.url}/api/live", timeout=30) as events:
            lines = events.iter_lines()
            assert any('"type": "snapshot"' in line for line in lines)  # stops at the first
            # A supervisor signs everyone out: the decisions stop flowing to this tablet.
            with httpx.Client() as supervisor:
                log_in(supervisor, live.url, "sue")
                supervisor.post(f"{live.url}/api/sessions/end-all", headers={"Origin": live.url})
            rest = list(lines)  # the server ends the stream (a read timeout fails the test)
            assert not any('"type": "Screening' in line for line in rest)
    assert _me(live.url, token) == 401


def test_a_stream_opened_with_basic_auth_ends_when_that_password_changes(
    live: LiveServer,
) -> None:
    """HTTP Basic has no session to end; a stream it opened ends with the password it gave."""
    with (
        httpx.Client(auth=("sam", PASSWORDS["sam"])) as reader,
        httpx.Client(auth=("sue", PASSWORDS["sue"])) as other,
        reader.stream("GET", f"{live.url}/api/live", timeout=30) as events,
        other.stream("GET", f"{live.url}/api/live", timeout=30) as others,
    ):
        lines, other_lines = events.iter_lines(), others.iter_lines()
        assert any('"type": "snapshot"' in line for line in lines)  # stops at the first
        assert any('"type": "snapshot"' in line for line in other_lines)
        with httpx.Client() as tablet:
            log_in(tablet, live.url, "sam")
            changed = tablet.post(
                f"{live.url}/api/password",
                json={"current_password": PASSWORDS["sam"], "new_password": "a-new-pass-2"},
                headers={"Origin": live.url},
            )
            assert changed.status_code == 200, changed.text
        rest = list(lines)  # the server ends the stream (a read timeout fails the test)
        assert not any('"type": "Screening' in line for line in rest)
        live.screen("north", temperature=36.6)  # sue's stream goes on: she changed nothing
        assert any('"type": "ScreeningDecided"' in line for line in other_lines)


def test_logout_by_an_api_client_ends_its_bearer_token(live: LiveServer) -> None:
    with httpx.Client() as client:
        token = log_in(client, live.url, "sam")
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{live.url}/api/logout", headers=bearer).is_success
    assert _me(live.url, token) == 401


def test_a_password_change_ends_every_other_session_of_that_user(live: LiveServer) -> None:
    with httpx.Client() as tablet, httpx.Client() as phone, httpx.Client() as other:
        log_in(tablet, live.url, "sam")
        phone_token = log_in(phone, live.url, "sam")
        sue_token = log_in(other, live.url, "sue")
        wrong = tablet.post(
            f"{live.url}/api/password",
            json={"current_password": "not-it", "new_password": "a-new-pass-2"},
            headers={"Origin": live.url},
        )
        assert wrong.status_code == 400 and _me(live.url, phone_token) == 200
        short = tablet.post(
            f"{live.url}/api/password",
            json={"current_password": PASSWORDS["sam"], "new_password": "short"},
            headers={"Origin": live.url},
        )
        assert short.status_code == 400 and "8" in short.json()["detail"]
        changed = tablet.post(
            f"{live.url}/api/password",
            json={"current_password": PASSWORDS["sam"], "new_password": "a-new-pass-2"},
            headers={"Origin": live.url},
        )
        assert changed.status_code == 200, changed.text
        assert tablet.get(f"{live.url}/api/me").status_code == 200  # the changer stays in
        assert _me(live.url, phone_token) == 401  # every other session of sam ends
        assert _me(live.url, sue_token) == 200  # other people are not touched
    with httpx.Client() as client:
        old = client.post(
            f"{live.url}/api/login",
            json={"username": "sam", "password": PASSWORDS["sam"]},
            headers={"Origin": live.url},
        )
        assert old.status_code == 401
        log_in(client, live.url, "sam", "a-new-pass-2")


def test_a_supervisor_signs_out_everyone_else_at_once(live: LiveServer) -> None:
    with httpx.Client() as sam, httpx.Client() as sue, httpx.Client() as sue2:
        sam_token = log_in(sam, live.url, "sam")
        log_in(sue, live.url, "sue")
        sue2_token = log_in(sue2, live.url, "sue")
        refused = sam.post(f"{live.url}/api/sessions/end-all", headers={"Origin": live.url})
        assert refused.status_code == 403
        listed = sue.get(f"{live.url}/api/sessions").json()
        assert sorted(s["username"] for s in listed) == ["sam", "sue", "sue"]
        assert "token" not in str(listed) and sam_token not in str(listed)
        ended = sue.post(f"{live.url}/api/sessions/end-all", headers={"Origin": live.url})
        assert ended.status_code == 200 and ended.json()["ended"] == 2
        assert _me(live.url, sam_token) == 401 and _me(live.url, sue2_token) == 401
        assert sue.get(f"{live.url}/api/me").status_code == 200
        assert [s["username"] for s in sue.get(f"{live.url}/api/sessions").json()] == ["sue"]


def test_sessions_and_a_changed_password_survive_a_restart(gateway: GatewayProcess) -> None:
    with client_at("127.0.0.1") as staff, httpx.Client() as supervisor:
        kept = gateway.login(staff, "staff")
        ended = gateway.login(supervisor, "supervisor")
        assert supervisor.post(
            f"{gateway.url}/api/logout", headers={"Origin": gateway.url}
        ).is_success
        changed = staff.post(
            f"{gateway.url}/api/password",
            json={"current_password": gateway.passwords["staff"], "new_password": "brand-new-pw"},
            headers={"Origin": gateway.url},
        )
        assert changed.status_code == 200, changed.text
        kept = str(changed.json()["token"])
    gateway.restart()
    assert _me(gateway.url, kept) == 200  # nobody is logged out by a restart
    assert _me(gateway.url, ended) == 401  # and a logout stays a logout
    with httpx.Client() as client:
        gateway.login(client, "staff", "brand-new-pw")
        old = client.post(
            f"{gateway.url}/api/login",
            json={"username": "staff", "password": gateway.passwords["staff"]},
            headers={"Origin": gateway.url},
        )
        assert old.status_code == 401


@pytest.mark.browser
@requires_chromium
def test_the_page_changes_a_password_and_signs_everyone_out(live: LiveServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    def logged_in(browser: Any, user: str, password: str) -> Any:
        page = browser.new_context().new_page()
        page.set_default_timeout(15_000)
        page.goto(live.url)
        page.fill("#username", user)
        page.fill("#password", password)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#who-name")).to_contain_text(user)
        return page

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            staff = logged_in(browser, "sam", PASSWORDS["sam"])
            expect(staff.locator("#end-all")).to_be_hidden()  # for supervisors only
            staff.click("#password-open")
            staff.fill("#password-current", PASSWORDS["sam"])
            staff.fill("#password-new", "sams-new-pass")
            staff.fill("#password-again", "sams-new-pass")
            staff.click("#password-form button[type=submit]")
            expect(staff.locator("#password-dialog")).to_be_hidden()
            expect(staff.locator("#who-name")).to_contain_text("sam")  # still logged in here
            supervisor = logged_in(browser, "sue", PASSWORDS["sue"])
            supervisor.on("dialog", lambda dialog: dialog.accept())
            supervisor.click("#end-all")
            # sam's page finds out at its next request: the live stream is refused.
            expect(staff.locator("#login-form")).to_be_visible(timeout=20_000)
            assert staff.context.request.get(f"{live.url}/api/me").status == 401
            assert supervisor.context.request.get(f"{live.url}/api/me").status == 200
        finally:
            browser.close()
    with httpx.Client() as client:
        log_in(client, live.url, "sam", "sams-new-pass")
