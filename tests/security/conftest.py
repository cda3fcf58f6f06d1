"""Real processes to attack: the gateway's web server (in-process uvicorn over the real
checkpoint, or the whole gateway as a subprocess) and the central monitor's dashboard."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.demo.workspace import LanePorts, Workspace, make_workspace
from edge.web import WebSettings, hash_password
from tests.brokers import Mosquitto, free_port
from tests.gate import Gate
from tests.web.conftest import PASSWORDS, LiveServer, start_live, write_users

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], bool], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {limit} s")


def client_at(address: str, **kwargs: Any) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (any 127.x.y.z on Linux), so a
    test can be several clients of the same server."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), **kwargs)


# -- the web server in-process, over the real checkpoint --------------------------------------
def web_settings(tmp_path: Path, **overrides: Any) -> WebSettings:
    secret = tmp_path / "session.key"
    secret.write_text("0123456789abcdef0123456789abcdef\n")
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "users_file": write_users(tmp_path / "users.toml"),
        "session_secret_file": secret,
        "heartbeat_s": 0.5,
    }
    return WebSettings(**(values | overrides))


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[Gate]:
    folder = tmp_path / "gate"
    folder.mkdir()
    gate = Gate(folder)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, gate.open()).result()
    yield gate
    gate.store.close()


@pytest.fixture
def make_live(tmp_path: Path, gate: Gate) -> Iterator[Callable[..., LiveServer]]:
    """``make_live(**web settings)``: the gateway's web app on a real uvicorn server."""
    stops: list[Callable[[], bool]] = []

    def make(**overrides: Any) -> LiveServer:
        live, stop = start_live(web_settings(tmp_path, **overrides), gate)
        stops.append(stop)
        return live

    yield make
    for stop in stops:
        stop()


@pytest.fixture
def live(make_live: Callable[..., LiveServer]) -> LiveServer:
    return make_live()


def log_in(client: httpx.Client, base: str, user: str, password: str | None = None) -> str:
    """Log ``user`` in from ``client`` (the cookie stays in it); return the session token."""
    response = client.post(
        f"{base}/api/login",
        json={"username": user, "password": password or PASSWORDS[user]},
        headers={"Origin": base},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


# -- the whole gateway as a process -----------------------------------------------------------
STOREROOM_TOML = """
[storeroom]
[storeroom.mqtt]
port = {broker_port}
[[storeroom.items]]
key = "masks"
name = "Masks"
unit = "box"
unit_weight_kg = 0.5
shelf = "s1"
lead_time_days = 7
[[storeroom.shelves]]
key = "s1"
source = "mqtt"
"""


@dataclass
class GatewayProcess:
    """``edge-gateway run`` on a workspace with a storeroom; restartable."""

    workspace: Workspace
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    runs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def passwords(self) -> dict[str, str]:
        return self.workspace.passwords

    def start(self) -> GatewayProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "edge.cli", "run", "--config", str(self.workspace.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        self.runs.append(self.proc)
        wait_for(lambda: httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def login(self, client: httpx.Client, user: str, password: str | None = None) -> str:
        return log_in(client, self.url, user, password or self.passwords[user])


@pytest.fixture
def make_gateway(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[Callable[..., GatewayProcess]]:
    """``make_gateway(web_toml="", files={})``: a gateway process with a storeroom (its MQTT
    shelves on the test's Mosquitto); ``web_toml`` lines are added to its ``[web]`` section and
    ``files`` (name: text) are written beside its configuration first."""
    made: list[GatewayProcess] = []

    def make(web_toml: str = "", files: dict[str, str] | None = None) -> GatewayProcess:
        port = free_port()
        root = tmp_path / f"gateway-{len(made)}"
        ws = make_workspace(
            root,
            [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", Path("/dev/null"))],
            web_port=port,
            extra_toml=STOREROOM_TOML.format(broker_port=mosquitto.port),
        )
        for name, text in (files or {}).items():
            (root / name).write_text(text)
        if web_toml:
            text = ws.config.read_text()
            ws.config.write_text(text.replace("[web]\n", f"[web]\n{web_toml}\n", 1))
        gateway = GatewayProcess(ws, port, root / "gateway.log")
        made.append(gateway)
        return gateway.start()

    yield make
    for gateway in made:
        gateway.stop()


@pytest.fixture
def gateway(make_gateway: Callable[..., GatewayProcess]) -> GatewayProcess:
    return make_gateway()


# -- the central monitor's dashboard as a process ---------------------------------------------
MONITOR_PASSWORDS = {"vic": "viewer-pass-1", "ada": "admin-pass-1"}


@dataclass
class MonitorProcess:
    url: str
    proc: subprocess.Popen[bytes]
    passwords: dict[str, str]

    def login(self, client: httpx.Client, user: str) -> str:
        return log_in(client, self.url, user, self.passwords[user])


def write_monitor_users(path: Path) -> Path:
    path.write_text(
        "".join(
            f'[[users]]\nusername = "{name}"\nrole = "{role}"\n'
            f'password_hash = "{hash_password(MONITOR_PASSWORDS[name], n=2**8)}"\n'
            for name, role in (("vic", "viewer"), ("ada", "admin"))
        )
    )
    return path


@pytest.fixture
def monitor(tmp_path: Path) -> Iterator[MonitorProcess]:
    """``central-monitor dashboard`` over an empty SQLite store, with two users."""
    port = free_port()
    users = write_monitor_users(tmp_path / "monitor-users.toml")
    log = (tmp_path / "monitor.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cloud_sync.monitor.cli",
            "--log-level",
            "WARNING",
            "dashboard",
            "--db",
            f"sqlite:///{tmp_path / 'centre.db'}",
            "--http",
            f"127.0.0.1:{port}",
            "--users",
            str(users),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200)
        yield MonitorProcess(url, proc, MONITOR_PASSWORDS)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
