"""``central-monitor run`` as a real process, for tests that need a whole monitor (kill -9 too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.brokers import free_port
from tests.monitor.logins import VIEWER, VIEWER_PASSWORD, users_file

REPO = Path(__file__).resolve().parents[2]


class MonitorProcess:
    """One ``central-monitor run``: its HTTP address, its log, kill -9 or SIGTERM."""

    def __init__(self, broker_port: int, db: str, workdir: Path, *extra: str) -> None:
        self.broker_port = broker_port
        self.db = db
        self.extra = list(extra)
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"monitor-{self.http_port}.log"
        self.users = users_file(workdir)  # the dashboard and its API need a login
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> MonitorProcess:
        command = [
            sys.executable,
            "-m",
            "cloud_sync.monitor.cli",
            "--log-level",
            "INFO",
            "run",
            "--broker",
            f"127.0.0.1:{self.broker_port}",
            "--db",
            self.db,
            "--http",
            f"127.0.0.1:{self.http_port}",
            "--users",
            str(self.users),
            *self.extra,
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log)
        return self

    def up(self) -> bool:
        try:
            answer = httpx.get(f"{self.url}/healthz", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            return False
        return answer.get("mqtt_connected") is True

    def wait_up(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while not self.up():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"central-monitor exited:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"central-monitor not up within {within} s:\n{self.tail()}")
            time.sleep(0.1)

    def get(self, path: str) -> httpx.Response:
        """A read as the viewer."""
        return httpx.get(f"{self.url}{path}", auth=(VIEWER, VIEWER_PASSWORD), timeout=30)

    def kill(self) -> None:
        """kill -9: no clean shutdown, no flush, no DISCONNECT."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
