"""Real gateway processes for the end-to-end distribution tests.

Each is made the way a newcomer makes one (``edge-gateway init``), with a thermometer and a QR
scanner simulated on real pseudo-terminals, and an ``[uplink]`` section pointing at the test's
broker and trusting the test centre's key; it runs as ``edge-gateway run``. Residents are
screened the way a lane screens them: a reading, then a scan, and the decision read back from
the gateway's API as a logged-in staff member.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from tests.brokers import free_port

BIN = Path(sys.executable).parent

UPLINK = """
[uplink]
gateway_id = "{gateway}"
community = "{community}"
broker_host = "127.0.0.1"
broker_port = {broker_port}
tls = false
hmac_key_file = "uplink-hmac.key"
centre_keys = ["{trusted}"]
clock_check = "trust"
heartbeat_s = 30
backoff_initial_s = 0.2
backoff_max_s = 1.0
"""


def edge_gateway(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "edge-gateway"), *argv], cwd=cwd, capture_output=True, text=True, timeout=60
    )


class GatewayProcess:
    def __init__(
        self,
        root: Path,
        gateway: str,
        *,
        broker_port: int,
        trusted: Path,
        community: str = "willow-court",
    ) -> None:
        self.root = root
        self.gateway = gateway
        self.folder = root / gateway
        self.broker_port = broker_port
        self.trusted = trusted
        self.community = community
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.thermometer = ThermometerSimulator("ascii-braces")
        self.scanner = ScannerSimulator("CR")
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / f"{gateway}.log"
        self.staff: tuple[str, str] = ("staff", "")

    async def __aenter__(self) -> GatewayProcess:
        await self.thermometer.__aenter__()
        await self.scanner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()
        await self.scanner.__aexit__(None, None, None)
        await self.thermometer.__aexit__(None, None, None)

    def make(self, pass_keys: Path | None = None) -> None:
        """``edge-gateway init``, then the uplink; ``pass_keys``: also trust that issuer's key."""
        made = edge_gateway(
            self.root,
            *("init", self.gateway, "--host", "127.0.0.1", "--port", str(self.port)),
            *("--thermometer", str(self.thermometer.path), "--scanner", str(self.scanner.path)),
        )
        assert made.returncode == 0, made.stderr
        passwords = dict(re.findall(r"^  (staff|supervisor)\s+\S+\s+(\S+)$", made.stdout, re.M))
        self.staff = ("staff", passwords["staff"])
        config = self.folder / "gateway.toml"
        text = config.read_text()
        if pass_keys is not None:  # also the other issuer's (its own signs its status list)
            text = text.replace("public_keys = [", f'public_keys = ["{pass_keys}", ', 1)
        text += UPLINK.format(
            gateway=self.gateway,
            community=self.community,
            broker_port=self.broker_port,
            trusted=self.trusted,
        )
        config.write_text(text)

    @property
    def issuer(self) -> tuple[Path, str]:
        key = next((self.folder / "issuer").glob("*.key.pem"))
        return key, key.name.removesuffix(".key.pem")

    @property
    def public_key(self) -> Path:
        return next((self.folder / "keys").glob("*.pub.pem"))

    def issue(self, resident: str, status: str = "green") -> tuple[str, str]:
        """A pass from this gateway's issuer key: (the text, its pass id)."""
        key, kid = self.issuer
        issued = edge_gateway(
            self.folder,
            *("issue-pass", "--key", str(key), "--kid", kid, "--resident", resident),
            *("--status", status),
        )
        assert issued.returncode == 0, issued.stderr
        found = re.search(r"pass id (\S+):", issued.stderr)
        assert found is not None, issued.stderr
        return issued.stdout.strip(), found.group(1)

    def start(self) -> GatewayProcess:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "edge-gateway"), "run", "--config", str(self.folder / "gateway.toml")],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def until(self, predicate: Any, limit: float = 60.0) -> Any:
        async with asyncio.timeout(limit):
            while True:
                assert self.proc is not None and self.proc.poll() is None, self.tail()
                with contextlib.suppress(httpx.HTTPError):
                    found = await predicate()
                    if found:
                        return found
                await asyncio.sleep(0.1)

    async def get(self, path: str) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            answer = await client.get(path, auth=self.staff)
            answer.raise_for_status()
            return answer.json()

    async def post(self, path: str, body: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            answer = await client.post(
                path, json=body, auth=self.staff, headers={"Origin": self.url}
            )
            answer.raise_for_status()
            return answer.json()

    async def ready(self) -> None:
        async def devices_connected() -> bool:
            devices = await self.get("/api/devices")
            return len(devices) == 2 and all(d["state"] == "connected" for d in devices)

        await self.until(devices_connected)

    async def screen(self, code: str, celsius: float = 36.6) -> dict[str, Any]:
        """Measure and scan one resident; the decision, once recorded."""
        seen = {s["id"] for s in await self.get("/api/screenings")}
        await self.thermometer.send_reading(celsius)
        await asyncio.sleep(0.2)
        await self.scanner.scan(code, symbology=None)

        async def decided() -> dict[str, Any] | None:
            rows = await self.get("/api/screenings")
            return next((s for s in rows if s["id"] not in seen), None)

        found: dict[str, Any] = await self.until(decided, 30)
        found["seen_at"] = time.time()
        return found
