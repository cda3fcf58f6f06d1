"""Fixtures for the web tests: users, secrets, the real checkpoint, the app, a live server."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from edge.checkpoint.checkpoint import Checkpoint
from edge.core.events import GatewayEvent
from edge.web import WebServer, WebSettings, create_app, hash_password
from tests.gate import Gate, Screened

PASSWORDS = {"sam": "staff-pass-1", "sue": "super-pass-1"}


def cheap_hash(password: str) -> str:
    # Low scrypt cost keeps the tests fast; the format and the check are the real ones.
    return hash_password(password, n=2**8)


def write_users(path: Path) -> Path:
    path.write_text(
        f"""
[[users]]
username = "sam"
role = "staff"
password_hash = "{cheap_hash(PASSWORDS["sam"])}"

[[users]]
username = "sue"
role = "supervisor"
password_hash = "{cheap_hash(PASSWORDS["sue"])}"
"""
    )
    return path


@pytest.fixture
def settings(tmp_path: Path) -> WebSettings:
    secret = tmp_path / "session.key"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    return WebSettings(
        host="127.0.0.1",
        port=0,
        users_file=write_users(tmp_path / "users.toml"),
        session_secret_file=secret,
        heartbeat_s=0.5,
    )


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    """The real checkpoint and store: two lanes, a thermometer and a scanner on each."""
    folder = tmp_path / "gate"
    folder.mkdir()
    gate = Gate(folder)
    # On a thread of its own: the browser tests' Playwright keeps a loop running on this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, gate.open()).result()
    yield gate
    gate.store.close()


@pytest.fixture
def service(gate: Gate) -> Checkpoint:
    return gate.checkpoint


@pytest.fixture
def app(settings: WebSettings, service: Checkpoint) -> FastAPI:
    return create_app(settings, service)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # A browser says which page a POST comes from; the gateway refuses a cookie without it.
    with TestClient(app, headers={"Origin": "http://testserver"}) as c:
        yield c


def screen(client: TestClient, gate: Gate, lane: str, **resident: Any) -> Screened:
    """A resident screened on ``lane`` (see :meth:`Gate.screen`), on the app's own loop."""
    assert client.portal is not None
    decided: Screened = client.portal.call(lambda: gate.screen(lane, **resident))
    return decided


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        "/api/login", json={"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@dataclass
class LiveServer:
    url: str
    service: Checkpoint
    loop: asyncio.AbstractEventLoop
    server: WebServer
    gate: Gate | None = None

    def screen(self, lane: str, **resident: Any) -> Screened:
        """A resident screened on ``lane`` by the real checkpoint, on the server's loop."""
        assert self.gate is not None
        future = asyncio.run_coroutine_threadsafe(self.gate.screen(lane, **resident), self.loop)
        return future.result(15)

    def publish(self, event: GatewayEvent) -> None:
        """Publish on the server's loop, as the gateway's runtime does."""
        self.loop.call_soon_threadsafe(self.service.bus.publish, event)

    def call(self, fn: Callable[[], object]) -> object:
        async def run() -> object:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)


def start_live(
    settings: WebSettings, gate: Gate, routers: tuple[APIRouter, ...] = ()
) -> tuple[LiveServer, Callable[[], bool]]:
    service = gate.checkpoint
    # Sessions in the gate's own store, as the gateway keeps them: a restarted server keeps them.
    app = create_app(settings, service, routers=routers, store=gate.store)
    server = WebServer(app, settings)
    loop = asyncio.new_event_loop()
    task: list[asyncio.Task[None]] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        task.append(loop.create_task(server.run()))
        try:
            loop.run_until_complete(task[0])
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True, name="web-test-server")
    thread.start()
    started = threading.Event()
    loop.call_soon_threadsafe(lambda: asyncio.ensure_future(_notify(server, started)))
    assert started.wait(10), "the web server did not start"

    def stop() -> bool:
        """Stop the server; True when it stopped within 15 s."""
        if thread.is_alive():
            loop.call_soon_threadsafe(task[0].cancel)
            thread.join(15)
        return not thread.is_alive()

    live = LiveServer(f"http://127.0.0.1:{server.port}", service, loop, server, gate)
    return live, stop


async def _notify(server: WebServer, started: threading.Event) -> None:
    await server.started.wait()
    started.set()


@pytest.fixture
def live_server(settings: WebSettings, gate: Gate) -> Iterator[LiveServer]:
    live, stop = start_live(settings, gate)
    yield live
    stop()
