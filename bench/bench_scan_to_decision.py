"""Scan-to-decision latency: last byte written to the scanner's pty -> decision on the page's
live channel (server-sent events), with the community-pass signature check.

The gateway runs as its own process (``edge-gateway run``), as on a Pi; this process plays the
simulated thermometer and scanner on real pseudo-terminals and reads ``/api/live`` like the page.
Baseline, measured in the same run: the floor of the same path without the gateway: a byte
written to a pty and read back by an asyncio reader in this process, plus one signature check.

    .venv/bin/python bench/bench_scan_to_decision.py [--count 1000] [--rate 10]

Target (issue 2): p99 <= 15 ms on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from edge.demo.workspace import LanePorts, make_workspace
from edge.verify.community_pass import build_verifier
from edge.verify.community_pass.settings import CommunityPassSettings
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from firmware_interfaces.simulators.pty import PtyPort


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(name: str, ms: list[float]) -> None:
    print(
        f"{name:42} n={len(ms):5}  p50 {pct(ms, 0.5):7.3f} ms  p99 {pct(ms, 0.99):7.3f} ms"
        f"  max {max(ms):7.3f} ms  mean {statistics.fmean(ms):7.3f} ms"
    )


async def baseline(codes: list[str], verifier_settings: CommunityPassSettings) -> list[float]:
    """pty write -> asyncio reader -> signature check, in one process: the path's floor."""
    loop = asyncio.get_running_loop()
    verifier = build_verifier(verifier_settings)
    port = PtyPort(loop)
    fd = os.open(port.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    import tty

    tty.setraw(fd)
    got: asyncio.Queue[float] = asyncio.Queue()
    buf = bytearray()

    def readable() -> None:
        buf.extend(os.read(fd, 65536))
        if buf.endswith(b"\r"):
            text = buf.decode()[:-1]
            buf.clear()
            verifier.verify(text, at=datetime.now(UTC))
            got.put_nowait(time.perf_counter())

    loop.add_reader(fd, readable)
    out = []
    try:
        for code in codes:
            await port.write(code.encode() + b"\r")
            t0 = time.perf_counter()
            t1 = await got.get()
            out.append((t1 - t0) * 1000)
            await asyncio.sleep(0.002)
    finally:
        loop.remove_reader(fd)
        os.close(fd)
        port.close()
    return out


async def live_events(client: httpx.AsyncClient, queue: asyncio.Queue[tuple[float, dict]]) -> None:  # type: ignore[type-arg]
    async with client.stream("GET", "/api/live", timeout=None) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                now = time.perf_counter()
                data = json.loads(line[6:])
                if data.get("type") == "ScreeningDecided":
                    queue.put_nowait((now, data))


def start_gateway(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=10.0, help="screenings per second")
    args = ap.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    async with (
        ThermometerSimulator("ascii-braces", link=root / "thermo.tty") as thermo,
        ScannerSimulator("CR", aim=False, link=root / "scanner.tty") as scanner,
    ):
        ws = make_workspace(
            root, [LanePorts("gate", "Gate", "ascii-braces", thermo.path, scanner.path)], web_port=0
        )
        # a fixed port: the gateway runs in another process
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cfg = ws.config.read_text().replace("port = 0", f"port = {port}")
        ws.config.write_text(cfg)
        codes = [ws.issuer.issue(f"r-{i:05d}", "green") for i in range(args.count)]

        settings = CommunityPassSettings(
            public_keys=[root / "keys" / "demo-community-2026.pub.pem"]
        )
        base = await baseline(codes[: min(300, len(codes))], settings)

        gateway = start_gateway(ws.config, root / "gateway.log")
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(200):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                pw = ws.passwords["staff"]
                r = await client.post("/api/login", json={"username": "staff", "password": pw})
                r.raise_for_status()
                client.headers["Authorization"] = f"Bearer {r.json()['token']}"
                for _ in range(200):  # both devices open
                    devs = (await client.get("/api/devices")).json()
                    if all(d["state"] == "connected" for d in devs):
                        break
                    await asyncio.sleep(0.1)
                queue: asyncio.Queue[tuple[float, dict]] = asyncio.Queue()  # type: ignore[type-arg]
                reader = asyncio.create_task(live_events(client, queue))
                await asyncio.sleep(0.5)
                lat: list[float] = []
                period = 1.0 / args.rate
                start = time.perf_counter()
                for i, code in enumerate(codes):
                    await thermo.send_reading(36.5)
                    await asyncio.sleep(0.01)
                    await scanner.send_raw(code.encode() + b"\r")
                    t0 = time.perf_counter()
                    t1, data = await asyncio.wait_for(queue.get(), 10)
                    assert data["outcome"] == "ADMIT", data
                    lat.append((t1 - t0) * 1000)
                    next_at = start + (i + 1) * period
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                reader.cancel()
        finally:
            gateway.send_signal(signal.SIGTERM)
            gateway.wait(10)
    print(f"scan-to-decision over {args.count} screenings at {args.rate:g}/s (Ed25519 passes)")
    report("baseline: pty read + signature check", base)
    report("gateway: pty -> decision on /api/live", lat)
    print(f"target p99 <= 15 ms: {'met' if pct(lat, 0.99) <= 15 else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
