"""Passwords, accounts, secrets, login/logout, sessions, roles."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge.checkpoint.checkpoint import Checkpoint
from edge.web import WebConfigError, WebSettings, create_app, hash_password, verify_password
from edge.web.auth import COOKIE, require_user
from edge.web.command import run as hash_password_command
from edge.web.users import User, load_users
from tests.web.conftest import PASSWORDS, login


def test_hash_format_and_verify() -> None:
    encoded = hash_password("correct horse")
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert salt and digest
    assert verify_password("correct horse", encoded)
    assert not verify_password("correct horsE", encoded)
    assert hash_password("correct horse") != encoded  # a fresh salt each time


@pytest.mark.parametrize(
    "bad", ["", "plain", "scrypt$3$8$1$AAAA$AAAA", "scrypt$16384$8$1$!!$AAAA", "bcrypt$x$y$z$a$b"]
)
def test_malformed_hash_never_matches(bad: str) -> None:
    assert not verify_password("anything", bad)


def test_hash_password_command_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert hash_password_command(None) == 0  # type: ignore[arg-type]
    printed = capsys.readouterr().out.strip()
    assert verify_password("s3cret", printed)


def test_hash_password_is_an_edge_gateway_command() -> None:
    from edge.cli import build_parser

    args = build_parser().parse_args(["hash-password"])
    assert args.func is hash_password_command


def test_missing_users_file_refuses_to_start(tmp_path: Path, service: Checkpoint) -> None:
    secret = tmp_path / "s"
    secret.write_text("x" * 32)
    with pytest.raises(WebConfigError) as info:
        create_app(WebSettings(session_secret_file=secret), service)
    assert info.value.key == "web.users_file"


def test_missing_secret_refuses_to_start(settings: WebSettings, service: Checkpoint) -> None:
    no_secret = settings.model_copy(update={"session_secret_file": None})
    with pytest.raises(WebConfigError) as info:
        create_app(no_secret, service)
    assert info.value.key == "web.session_secret_file"
    assert "web.session_secret_file" in str(info.value)


def test_secret_from_an_unset_environment_variable_is_refused(
    settings: WebSettings, service: Checkpoint
) -> None:
    by_env = settings.model_copy(
        update={"session_secret_file": None, "session_secret_env": "GW_SESSION_KEY"}
    )
    with pytest.raises(WebConfigError, match="GW_SESSION_KEY is not set"):
        create_app(by_env, service, environ={})
    create_app(by_env, service, environ={"GW_SESSION_KEY": "k" * 32})


def test_short_secret_is_refused(
    settings: WebSettings, tmp_path: Path, service: Checkpoint
) -> None:
    short = tmp_path / "short.key"
    short.write_text("abc")
    with pytest.raises(WebConfigError, match="at least 16 bytes"):
        create_app(settings.model_copy(update={"session_secret_file": short}), service)


def test_users_file_problems_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(
        json.dumps({"users": [{"username": "a", "role": "boss", "password_hash": "x"}]})
    )
    with pytest.raises(WebConfigError) as info:
        load_users(path)
    assert info.value.key == "users[0].role" and info.value.path == path
    path.write_text(json.dumps([{"username": "a", "role": "staff", "password_hash": "x"}]))
    with pytest.raises(WebConfigError) as info:
        load_users(path)
    assert info.value.key == "users[0].password_hash"
    path.write_text(
        json.dumps([{"username": "a", "role": "staff", "password_hash": hash_password("p", n=4)}])
    )
    assert load_users(path)["a"].user == User("a", "staff")


def test_page_without_login_shows_the_login_form(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'id="login-form"' in response.text
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/screenings").status_code == 401
    # Never a Basic challenge: it would pop up the browser's own login box.
    assert client.get("/api/me").headers["www-authenticate"] == "Bearer"


def test_login_sets_a_strict_httponly_cookie_and_logout_clears_it(client: TestClient) -> None:
    response = client.post("/api/login", json={"username": "sam", "password": PASSWORDS["sam"]})
    assert response.status_code == 200
    assert response.json()["role"] == "staff"
    cookie = response.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/api/me").json() == {"username": "sam", "role": "staff", "supervisor": False}
    assert client.post("/api/logout").status_code == 200
    assert client.get("/api/me").status_code == 401


def test_wrong_password_and_unknown_user_are_refused_alike(client: TestClient) -> None:
    wrong = client.post("/api/login", json={"username": "sam", "password": "nope"})
    unknown = client.post("/api/login", json={"username": "mallory", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong username or password"}
    assert COOKIE not in client.cookies


def test_repeated_failures_are_throttled(client: TestClient) -> None:
    for _ in range(5):
        assert (
            client.post("/api/login", json={"username": "sue", "password": "x"}).status_code == 401
        )
    locked = client.post("/api/login", json={"username": "sue", "password": PASSWORDS["sue"]})
    assert locked.status_code == 429 and "Retry-After" in locked.headers


def test_bearer_and_basic_for_api_clients(client: TestClient) -> None:
    token = login(client, "sue")["token"]
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).json()["role"] == "supervisor"
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    basic = base64.b64encode(f"sam:{PASSWORDS['sam']}".encode()).decode()
    assert (
        client.get("/api/me", headers={"Authorization": f"Basic {basic}"}).json()["username"]
        == "sam"
    )
    bad = base64.b64encode(b"sam:wrong").decode()
    assert client.get("/api/me", headers={"Authorization": f"Basic {bad}"}).status_code == 401


def test_sessions_expire(settings: WebSettings, service: Checkpoint) -> None:
    now = [1_800_000_000.0]
    app = create_app(settings, service, clock=lambda: now[0])
    with TestClient(app) as client:
        login(client, "sam")
        assert client.get("/api/me").status_code == 200
        now[0] += settings.session_max_age_s + 1
        assert client.get("/api/me").status_code == 401


def test_a_cookie_signed_with_another_key_is_refused(
    settings: WebSettings, tmp_path: Path, service: Checkpoint
) -> None:
    other = tmp_path / "other.key"
    other.write_text("f" * 32)
    with TestClient(create_app(settings, service)) as first:
        token = login(first, "sam")["token"]
    app = create_app(settings.model_copy(update={"session_secret_file": other}), service)
    with TestClient(app) as second:
        second.cookies.set(COOKIE, token)
        assert second.get("/api/me").status_code == 401


def test_dependency_overrides_swap_the_login(app: FastAPI, client: TestClient) -> None:
    app.dependency_overrides[require_user] = lambda: User("tester", "supervisor")
    assert client.get("/api/me").json()["username"] == "tester"
