"""The demo's district centre: a Mosquitto of its own and a ``central-monitor`` process.

Started only where the ``mosquitto`` program is installed (``scripts/demo`` installs it); the
gateway's uplink then syncs to it, and the monitor's dashboard shows the community.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import sys
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Centre:
    broker_port: int
    dashboard: str

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
    conf = root / "centre-mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n"
    )
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
                    stdout=log,
                    stderr=log,
                )
            )
        centre = Centre(port, f"http://127.0.0.1:{dashboard_port}/")
        # Births are not retained: the monitor must be listening before the gateway connects.
        await _wait_until_listening(centre.dashboard + "healthz")
        yield centre
    finally:
        for proc in reversed(procs):
            if proc.returncode is None:
                proc.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 10)
