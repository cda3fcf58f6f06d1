"""A newcomer's first hour, with real processes: from an empty folder to a decided resident.

Only the commands a person would type: ``init`` in an empty folder, ``check-config``, ``run``,
``issue-pass``; a thermometer and a QR scanner simulated on real pseudo-terminals stand at the
lane, and the page is asked what it decided, as a staff member logged in with the password
``init`` printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from tests.brokers import free_port

BIN = Path(sys.executable).parent


def edge_gateway(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "edge-gateway"), *argv], cwd=cwd, capture_output=True, text=True, timeout=60
    )


async def until(predicate: Any, limit: float = 30.0) -> Any:
    """Poll ``predicate`` (an async callable) until it returns something true."""
    async with asyncio.timeout(limit):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                found = await predicate()
                if found:
                    return found
            await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_from_an_empty_folder_to_a_decided_resident(tmp_path: Path) -> None:
    folder = tmp_path / "newcomer"
    folder.mkdir()
    port = free_port()
    async with (
        ThermometerSimulator("ascii-braces") as thermometer,
        ScannerSimulator("CR") as scanner,
    ):
        # 1. One command makes the installation.
        made = edge_gateway(
            folder,
            *("init", "gate", "--host", "127.0.0.1", "--port", str(port)),
            *("--thermometer", str(thermometer.path), "--scanner", str(scanner.path)),
        )
        assert made.returncode == 0, made.stderr
        passwords = dict(re.findall(r"^  (staff|supervisor)\s+\S+\s+(\S+)$", made.stdout, re.M))
        assert set(passwords) == {"staff", "supervisor"}, made.stdout
        signing_key = next((folder / "gate" / "issuer").glob("*.key.pem"))
        kid = signing_key.name.removesuffix(".key.pem")

        # 2. check-config passes.
        checked = edge_gateway(folder, "check-config", "gate/gateway.toml")
        assert checked.returncode == 0, checked.stderr
        assert "gate/gateway.toml: OK" in checked.stdout

        # 3. run serves the page.
        log = (tmp_path / "gateway.log").open("wb")
        gateway = subprocess.Popen(  # noqa: ASYNC220 (started once, before the steps)
            [str(BIN / "edge-gateway"), "run", "--config", "gate/gateway.toml"],
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        staff = ("staff", passwords["staff"])
        try:
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:

                async def serving() -> bool:
                    assert gateway.poll() is None, (tmp_path / "gateway.log").read_text()
                    return (await client.get("/healthz")).status_code == 200

                await until(serving, limit=60)
                page = await client.get("/")
                assert page.status_code == 200 and "<html" in page.text.lower()

                async def devices_connected() -> bool:
                    devices = (await client.get("/api/devices", auth=staff)).json()
                    return len(devices) == 2 and all(d["state"] == "connected" for d in devices)

                await until(devices_connected)

                # 4. A resident with a pass from issue-pass is measured and scans: ADMIT.
                decided = await screen(client, staff, thermometer, scanner, folder, signing_key,
                                       kid, "r-0001", 36.6)  # fmt: skip
                assert decided["outcome"] == "ADMIT", decided
                # ... and a feverish one is turned away, with the reason in words.
                decided = await screen(client, staff, thermometer, scanner, folder, signing_key,
                                       kid, "r-0002", 38.4)  # fmt: skip
                assert decided["outcome"] == "DENY" and "fever" in decided["reason"], decided
        finally:
            gateway.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(gateway.wait, 30)
            finally:
                if gateway.poll() is None:
                    gateway.kill()
                log.close()
        assert gateway.returncode == 0, (tmp_path / "gateway.log").read_text()[-3000:]


async def screen(
    client: httpx.AsyncClient,
    auth: tuple[str, str],
    thermometer: ThermometerSimulator,
    scanner: ScannerSimulator,
    folder: Path,
    key: Path,
    kid: str,
    resident: str,
    celsius: float,
) -> dict[str, Any]:
    before = await client.get("/api/screenings", auth=auth)
    seen = {s["id"] for s in before.json()}
    issued = await asyncio.to_thread(
        edge_gateway,
        folder,
        *("issue-pass", "--key", str(key), "--kid", kid),
        *("--resident", resident, "--status", "green"),
    )
    assert issued.returncode == 0, issued.stderr
    await thermometer.send_reading(celsius)
    await asyncio.sleep(0.3)
    await scanner.scan(issued.stdout.strip(), symbology=None)

    async def decided() -> dict[str, Any] | None:
        rows = (await client.get("/api/screenings", auth=auth)).json()
        return next((s for s in rows if s["id"] not in seen), None)

    result: dict[str, Any] = await until(decided)
    return result
