"""The demo's district centre: a Mosquitto of its own and a ``central-monitor`` process.

Started only where the ``mosquitto`` program is installed (``scripts/demo`` installs it); the
gateway's uplink then syncs to it, and the monitor's dashboard shows the community.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import shutil
import socket
import sys
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from edge.auth.accounts import Account, User, write_users
from edge.auth.passwords import hash_password

#: the dashboard's login the demo makes up (an admin: a visitor may try everything)
CENTRE_USER = "centre"

#: How long the monitor may take to store what it holds and stop before it is killed.
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Centre:
    broker_port: int
    dashboard: str
    username: str
    password: str

    def uplink_toml(self, gateway_id: str) -> str:
        # Short windows so that a newcomer sees the centre fill within a couple of minutes.
        return (
            f'[uplink]\ngateway_id = "{gateway_id}"\ncommunity = "Demo community"\n'
            f'broker_host = "127.0.0.1"\nbroker_port = {self.broker_port}\ntls = false\n'
            "window_s = 60\nwindow_settle_s = 2\nheartbeat_s = 30\n"
            'hmac_key_file = "uplink-hmac.key"\nclock_check = "trust"\n'
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_or_free(preferred: int) -> int:
    """``preferred`` if it can be listened on now, else a free port.

    Without this a port already taken (often by a client connection's local port, which the
    kernel hands out next to the ports it binds) would end the monitor at start-up.
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the monitor's server does
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            return _free_port()
    return preferred


async def _wait_for_port(port: int, limit: float = 15.0) -> None:
    async with asyncio.timeout(limit):
        while True:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            await asyncio.sleep(0.05)


def _listening(healthz: str) -> bool:
    try:
        with urllib.request.urlopen(healthz, timeout=2) as response:  # noqa: S310 - our own URL
            return bool(json.loads(response.read()).get("mqtt_connected"))
    except (OSError, ValueError):
        return False


async def _wait_until_listening(healthz: str, limit: float = 30.0) -> None:
    async with asyncio.timeout(limit):
        while True:
            if await asyncio.to_thread(_listening, healthz):
                return
            await asyncio.sleep(0.2)


def mosquitto_program() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and Path("/usr/sbin/mosquitto").exists():
        found = "/usr/sbin/mosquitto"
    return found


@contextlib.asynccontextmanager
async def demo_centre(root: Path, dashboard_port: int) -> AsyncIterator[Centre | None]:
    program = mosquitto_program()
    if program is None:
        yield None
        return
    port = _free_port()
    dashboard_port = _port_or_free(dashboard_port)
    conf = root / "centre-mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n"
    )
    password = secrets.token_urlsafe(9)
    users = root / "centre-users.toml"
    write_users(users, [Account(User(CENTRE_USER, "admin"), hash_password(password))])
    procs: list[asyncio.subprocess.Process] = []
    try:
        procs.append(await asyncio.create_subprocess_exec(program, "-c", str(conf)))
        await _wait_for_port(port)
        with (root / "central-monitor.log").open("wb") as log:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    "import sys; from cloud_sync.monitor.cli import main; sys.exit(main())",
                    "run",
                    "--broker",
                    f"127.0.0.1:{port}",
                    "--db",
                    f"sqlite:///{root / 'centre.db'}",
                    "--http",
                    f"127.0.0.1:{dashboard_port}",
                    "--users",
                    str(users),
                    "--sessions-db",
                    str(root / "centre-sessions.db"),
                    stdout=log,
                    stderr=log,
                )
            )
        centre = Centre(port, f"http://127.0.0.1:{dashboard_port}/", CENTRE_USER, password)
        # Births are not retained: the monitor must be listening before the gateway connects.
        await _wait_until_listening(centre.dashboard + "healthz")
        yield centre
    finally:
        await _stop(procs)


async def _stop(procs: list[asyncio.subprocess.Process]) -> None:
    """Ask every child to stop, all at once; kill those that do not, or all if interrupted."""
    for proc in procs:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
    try:
        async with asyncio.timeout(STOP_TIMEOUT_S):
            for proc in procs:
                await proc.wait()
    except TimeoutError:
        pass
    finally:
        # Also when this wait is cancelled (a second Ctrl-C): no child may outlive the demo.
        # asyncio's child watcher reaps them.
        for proc in procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
