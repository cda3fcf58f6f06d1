"""Issue 12, items 10, 13 and 14 at the centre: ``central-monitor``'s dashboard and REST API
need a login (roles viewer < officer < admin), refuse huge bodies without echoing input, check
origins, and send the security headers on every response; the command line makes users files.

Before: the dashboard and the whole REST API answered anyone who could reach the port.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.security.conftest import ROOT, MonitorProcess
from tests.security.probes import HUGE, assert_security_headers, raw_request, status_of


def test_the_monitor_refuses_a_huge_body_and_does_not_echo(monitor: MonitorProcess) -> None:
    host = urlsplit(monitor.url).netloc
    head = (
        f"POST /api/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {HUGE}\r\n\r\n"
    ).encode()
    assert status_of(raw_request(monitor.url, head, [b"{" + b" " * 1000])) == 413
    with httpx.Client() as client:
        response = client.post(
            f"{monitor.url}/api/login",
            json={"username": "ECHO-" + "x" * 5000, "password": "p"},
            headers={"Origin": monitor.url},
        )
    assert response.status_code == 422 and "ECHO-" not in response.text


def test_the_monitor_checks_origins_too(monitor: MonitorProcess) -> None:
    port = int(monitor.url.rsplit(":", 1)[1])
    with httpx.Client() as browser:
        monitor.login(browser, "ada")
        foreign = browser.post(
            f"{monitor.url}/api/logout", headers={"Origin": f"http://127.0.0.1:{port + 1}"}
        )
        assert foreign.status_code == 403
        assert browser.get(f"{monitor.url}/api/me").status_code == 200


def test_the_central_dashboard_and_api_need_a_login(monitor: MonitorProcess) -> None:
    stranger = httpx.Client(headers={"Accept": "text/html"})
    page = stranger.get(f"{monitor.url}/")
    assert page.status_code == 303 and page.headers["location"] == "login"
    for path in ("/api/summary", "/api/gateways", "/api/stock", "/metrics", "/openapi.json"):
        assert httpx.get(monitor.url + path).status_code == 401, path
    assert stranger.get(f"{monitor.url}/healthz").status_code == 200
    login_page = stranger.get(f"{monitor.url}/login")
    assert login_page.status_code == 200 and "password" in login_page.text
    with httpx.Client() as viewer:
        monitor.login(viewer, "vic")
        assert viewer.get(f"{monitor.url}/api/gateways").json() == []
        assert viewer.get(f"{monitor.url}/").status_code == 200
        assert viewer.get(f"{monitor.url}/api/me").json()["role"] == "viewer"
        # A viewer only looks: signing everyone out is for an admin.
        ended = viewer.post(f"{monitor.url}/api/sessions/end-all", headers={"Origin": monitor.url})
        assert ended.status_code == 403
    with httpx.Client() as admin:
        monitor.login(admin, "ada")
        ended = admin.post(f"{monitor.url}/api/sessions/end-all", headers={"Origin": monitor.url})
        assert ended.status_code == 200


def test_every_monitor_response_carries_the_security_headers(monitor: MonitorProcess) -> None:
    with httpx.Client() as client:
        responses: list[Any] = [
            client.get(f"{monitor.url}/"),
            client.get(f"{monitor.url}/login"),
            client.get(f"{monitor.url}/healthz"),
            client.get(f"{monitor.url}/api/gateways"),
            client.get(f"{monitor.url}/nowhere"),
        ]
        monitor.login(client, "vic")
        responses += [client.get(f"{monitor.url}/"), client.get(f"{monitor.url}/api/summary")]
    for response in responses:
        assert_security_headers(response)


def test_central_monitor_makes_a_users_file(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"

    def add(name: str, role: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "cloud_sync.monitor.cli",
                "add-user",
                "--users",
                str(users),
                "--username",
                name,
                "--role",
                role,
            ],
            input=password + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    assert add("ana", "officer", "officer-pass-1").returncode == 0
    assert add("vic", "viewer", "viewer-pass-1").returncode == 0
    assert add("vic", "viewer", "again-pass-1").returncode != 0  # not silently replaced
    assert add("bob", "boss", "boss-pass-1").returncode == 2
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    from cloud_sync.monitor.auth import load_monitor_users

    accounts = load_monitor_users(users)
    assert {name: a.user.role for name, a in accounts.items()} == {
        "ana": "officer",
        "vic": "viewer",
    }
    hashed = subprocess.run(
        [sys.executable, "-m", "cloud_sync.monitor.cli", "hash-password"],
        input="s3cret-pass\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout.strip()
    assert hashed.startswith("scrypt$")
