"""``edge-gateway run`` as a process: serves, reloads its policy on SIGHUP, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from edge.demo.workspace import LanePorts, make_workspace
from tests.brokers import free_port


def wait_for(predicate, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {limit} s")


def test_sighup_reloads_the_policy_and_sigterm_stops(tmp_path: Path) -> None:
    port = free_port()
    ws = make_workspace(
        tmp_path,
        [LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")],
        web_port=port,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "run", "--config", str(ws.config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        auth = ("supervisor", ws.passwords["supervisor"])
        wait_for(lambda: httpx.get(f"{base}/healthz").status_code == 200)
        assert httpx.get(f"{base}/api/policy", auth=auth).json()["fever_threshold_c"] == 37.3
        (tmp_path / "policy.toml").write_text("fever_threshold_c = 37.8\n")
        proc.send_signal(signal.SIGHUP)
        wait_for(
            lambda: httpx.get(f"{base}/api/policy", auth=auth).json()["fever_threshold_c"] == 37.8
        )
        (tmp_path / "policy.toml").write_text("fever_threshold_c = 'hot'\n")
        proc.send_signal(signal.SIGHUP)  # a bad file is refused; the policy in force stays
        time.sleep(0.5)
        assert httpx.get(f"{base}/api/policy", auth=auth).json()["fever_threshold_c"] == 37.8
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0
        assert b"policy reload refused" in out and b"fever_threshold_c" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
