"""A real gateway process on a storage of the test's making, and a resident at its lane.

The gateway runs as ``edge-gateway run`` in a process of its own, its data folder on whatever
the test mounted (a small tmpfs, a read-only remount) or under the fault shim (I/O errors).
This process plays the lane's thermometer and scanner on real pseudo-terminals and follows
``/api/live`` as the page does, so a test sees exactly what staff would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from edge.demo.workspace import LanePorts, Workspace, make_workspace
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from tests.brokers import free_port
from tests.ci import missing


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``"2m"``) mounted at ``path``: a small storage that can fill up."""
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        missing(f"mounting a tmpfs needs root: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, mode: str) -> None:
    """``mode`` is ``"ro"`` or ``"rw"``."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def fill(path: Path) -> Path:
    """Fill the filesystem holding ``path`` to the last byte; return the filler to delete."""
    filler = path / "filler"
    with filler.open("wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    with contextlib.suppress(OSError), filler.open("ab") as fh:
        while True:  # the last few bytes
            fh.write(b"\0")
            fh.flush()
    return filler


@dataclass
class Gate:
    """The running gateway, its workspace, and what its page has been told."""

    ws: Workspace
    url: str
    process: subprocess.Popen[bytes]
    thermometer: ThermometerSimulator
    scanner: ScannerSimulator
    client: httpx.AsyncClient
    events: list[dict[str, Any]] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _residents: int = 0

    async def screen(self, temperature: float = 36.6) -> dict[str, Any]:
        """A resident with a green pass: measured, then scanned; the ScreeningDecided shown."""
        self._residents += 1
        seen = len(self.events)
        await self.thermometer.send_reading(temperature)
        await asyncio.sleep(0.3)
        await self.scanner.scan(self.ws.issuer.issue(f"r-{self._residents:04d}", "green"))
        return await self.next("ScreeningDecided", after=seen)

    async def next(
        self, kind: str, *, after: int = 0, limit: float = 30.0, **match: Any
    ) -> dict[str, Any]:
        """The first event of ``kind`` (from index ``after``) whose fields equal ``match``."""
        async with asyncio.timeout(limit):
            index = after
            while True:
                while index < len(self.events):
                    event = self.events[index]
                    index += 1
                    if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
                        return event
                self._arrived.clear()
                await self._arrived.wait()

    async def health(self) -> dict[str, Any]:
        body: dict[str, Any] = (await self.client.get("/healthz")).json()
        return body

    async def until_health(self, predicate: Any, limit: float = 30.0) -> dict[str, Any]:
        async with asyncio.timeout(limit):
            while True:
                body = await self.health()
                if predicate(body):
                    return body
                await asyncio.sleep(0.2)

    def alive(self) -> bool:
        return self.process.poll() is None

    async def _follow(self) -> None:
        async with self.client.stream("GET", "/api/live", timeout=None) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
                    self._arrived.set()


@contextlib.asynccontextmanager
async def running_gateway(
    root: Path,
    *,
    env: dict[str, str] | None = None,
    extra_toml: str = "",
    synchronous: str = "FULL",
    retry_s: float = 0.5,
    wait_ok: bool = True,
) -> AsyncIterator[Gate]:
    """A gateway process with one lane, its data in ``root / "data"`` (mount it first)."""
    async with (
        ThermometerSimulator("ascii-braces", link=root / "thermo.tty") as thermometer,
        ScannerSimulator("CR", aim=True, link=root / "scanner.tty") as scanner,
    ):
        port = free_port()
        ws = make_workspace(
            root,
            [LanePorts("gate", "Gate", "ascii-braces", thermometer.path, scanner.path)],
            web_port=port,
            pairing_window_s=5,
            extra_toml=extra_toml,
        )
        storage = f'synchronous = "{synchronous}"\nretry_s = {retry_s}'
        ws.config.write_text(ws.config.read_text().replace('synchronous = "NORMAL"', storage))
        log = (root / "gateway.log").open("wb")
        process = subprocess.Popen(  # noqa: ASYNC220 (started once, before the test's steps)
            [sys.executable, "-m", "edge.cli", "run", "--config", str(ws.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        url = f"http://127.0.0.1:{port}"
        auth = ("staff", ws.passwords["staff"])
        client = httpx.AsyncClient(base_url=url, auth=auth, timeout=10)
        gate = Gate(ws, url, process, thermometer, scanner, client)
        follower: asyncio.Task[None] | None = None
        try:
            async with asyncio.timeout(60):
                while True:
                    assert process.poll() is None, _log(root)
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                while not all(  # noqa: ASYNC110 (polling the HTTP API)
                    d["state"] == "connected" for d in (await client.get("/api/devices")).json()
                ):
                    await asyncio.sleep(0.1)
            follower = asyncio.create_task(gate._follow())
            await gate.next("snapshot")
            if wait_ok:
                await gate.until_health(lambda h: h["storage"]["ok"])
            yield gate
        finally:
            if follower is not None:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                    await follower
            await client.aclose()
            if process.poll() is None:
                process.terminate()
                try:
                    await asyncio.to_thread(process.wait, 20)
                except subprocess.TimeoutExpired:
                    process.kill()
            log.close()


def _log(root: Path) -> str:
    return (root / "gateway.log").read_text(errors="replace")[-4000:]
