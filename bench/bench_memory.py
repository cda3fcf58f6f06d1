"""Memory: resident set of ``edge-gateway run`` on the demo configuration, over time.

This process plays the demo's devices (simulated thermometers and scanners on real ptys) and its
stream of residents, while the gateway runs as its own process (no camera), as on a Pi. The
gateway's RSS is sampled from /proc every 10 s. Baseline, in the same run: a Python process
that only imports FastAPI, uvicorn and pydantic and idles (the floor of any such web app).

    .venv/bin/python bench/bench_memory.py [--seconds 600] [--interval 2.5] [--gateway-python PY]

``--gateway-python`` runs the gateway and the baseline with another interpreter, e.g. that of a
virtualenv with only the base install (``pip install -c constraints.txt .``), as on a Pi
without a camera; this process still needs the demo's packages to play the devices. Measure
that way: where numpy is installed (the camera extra, so the test virtualenv), sqlite-utils
imports it, and the gateway is about 12 MB larger (83 MB against 71 MB in a 2-minute run).

Target (issue 2): at most 80 MB after ten minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from edge.demo.residents import residents
from edge.demo.runner import LANES, PAIRING_WINDOW_S, Lane, present
from edge.demo.workspace import LanePorts, make_workspace
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator

IMPORTS = "import fastapi, uvicorn, pydantic"  # the web stack alone: the floor of any such app


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as err:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--interval", type=float, default=2.5, help="seconds between residents")
    ap.add_argument("--gateway-python", default=sys.executable, help="Python of the gateway")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    async with contextlib.AsyncExitStack() as stack:
        lanes, ports = [], []
        for lane_id, name, protocol in LANES:
            thermo = await stack.enter_async_context(
                ThermometerSimulator(protocol, link=root / f"{lane_id}-t.tty", streaming=True)
            )
            scanner = await stack.enter_async_context(
                ScannerSimulator("CR", aim=True, link=root / f"{lane_id}-s.tty")
            )
            lanes.append(Lane(lane_id, thermo, scanner))
            ports.append(LanePorts(lane_id, name, protocol, thermo.path, scanner.path))
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ws = make_workspace(root, ports, web_port=port, pairing_window_s=PAIRING_WINDOW_S)
        gateway = spawn(
            [args.gateway_python, "-m", "edge.cli", "run", "-c", str(ws.config)], root / "gw.log"
        )
        baseline = spawn(
            [args.gateway_python, "-c", f"{IMPORTS}; import time; time.sleep({args.seconds + 60})"],
            root / "base.log",
        )
        await asyncio.sleep(5)
        start = time.monotonic()
        samples: list[tuple[float, float, float]] = []
        people = 0
        next_sample = 0.0
        try:
            while (elapsed := time.monotonic() - start) < args.seconds:
                for resident in residents(ws.issuer):
                    await present(lanes[people % len(lanes)], resident)
                    people += 1
                    await asyncio.sleep(args.interval)
                    elapsed = time.monotonic() - start
                    if elapsed >= next_sample:
                        samples.append((elapsed, rss_mb(gateway.pid), rss_mb(baseline.pid)))
                        print(
                            f"{elapsed:6.0f} s  gateway {samples[-1][1]:6.1f} MB"
                            f"  baseline {samples[-1][2]:6.1f} MB  residents {people}",
                            flush=True,
                        )
                        next_sample += 10
                    if elapsed >= args.seconds:
                        break
        finally:
            final = (time.monotonic() - start, rss_mb(gateway.pid), rss_mb(baseline.pid))
            for proc in (gateway, baseline):
                proc.send_signal(signal.SIGTERM)
                proc.wait(10)
    print(
        f"after {final[0]:.0f} s and {people} residents: edge-gateway run RSS {final[1]:.1f} MB,"
        f" web-stack baseline {final[2]:.1f} MB, peak {max(s[1] for s in samples):.1f} MB"
    )
    print(f"target <= 80 MB: {'met' if final[1] <= 80 else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
