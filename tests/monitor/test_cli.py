"""``central-monitor run`` as a process: it ingests, serves the API and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto, free_port
from tests.monitor.helpers import birth, data, wait_until
from tests.monitor.logins import VIEWER, VIEWER_PASSWORD, users_file


@pytest.fixture
def monitor_process(
    mosquitto: Mosquitto, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cloud_sync.monitor.cli",
            "--log-level",
            "WARNING",
            "run",
            "--broker",
            f"127.0.0.1:{mosquitto.port}",
            "--db",
            f"sqlite:///{tmp_path / 'c.db'}",
            "--http",
            f"127.0.0.1:{port}",
            "--users",
            str(users_file(tmp_path)),
            "--default-keepalive",
            "30",
        ],
        cwd=Path(__file__).parents[2],
        stderr=subprocess.PIPE,
    )
    yield f"http://127.0.0.1:{port}", proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).json().get("mqtt_connected") is True
    except httpx.HTTPError:
        return False


@pytest.mark.slow
async def test_run_ingests_serves_and_stops_cleanly(
    mosquitto: Mosquitto, monitor_process: tuple[str, subprocess.Popen[bytes]]
) -> None:
    url, proc = monitor_process
    await wait_until(lambda: up(url), within=30)
    async with MqttClient(MqttSettings(port=mosquitto.port, client_id="gw-cli")) as client:
        await client.wait_connected(10)
        await client.publish(*birth("gw-cli", 3))
        await client.publish(*data("gw-cli", "stock", body={"item": "masks", "on_hand": 9}))
        await client.publish("ccg/v1/gw-cli/data/stock", b"not json")

    async with httpx.AsyncClient(base_url=url, auth=(VIEWER, VIEWER_PASSWORD)) as http:

        async def stored() -> bool:
            return len((await http.get("/api/stock")).json()) == 1

        for _ in range(500):
            if await stored():
                break
            await asyncio.sleep(0.02)
        [gw] = (await http.get("/api/gateways")).json()
        assert gw["gateway"] == "gw-cli" and gw["online"] and gw["bdseq"] == 3
        metrics = (await http.get("/metrics")).text
        assert 'ccg_monitor_messages_rejected_total{reason="malformed"} 1.0' in metrics

    proc.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(proc.wait, 20)
    assert code == 0, proc.stderr.read().decode() if proc.stderr else code
