"""``edge-gateway demo`` as a process: SIGTERM stops it and everything it started, as Ctrl-C does.

A service manager (systemd, a container runtime, ``timeout``) stops a program with SIGTERM sent
to that program alone, not to its process group as a terminal's Ctrl-C is. The demo's Mosquitto
and central monitor must not outlive it, whether the signal comes once the demo runs or while it
is still starting, and the temporary folder it made must be gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.brokers import free_port

BANNER = "Ctrl-C stops the demo"
LIMIT = 40.0  # generous, for a loaded machine; a hang guard, not a measurement


@dataclass(frozen=True)
class Proc:
    pid: int
    started: int  # clock ticks after boot: tells a pid from a later process given the same pid
    command: str

    def alive(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[1] == self.started and stat[0] != "Z"


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, start time, parent pid) of a process, None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return fields[0], int(fields[19]), int(fields[1])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(root: int) -> list[Proc]:
    """Every living process below ``root``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[2], []).append(int(entry.name))
    found: list[Proc] = []
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z":
            found.append(Proc(pid, stat[1], _command(pid)))
        todo += children.get(pid, [])
    return found


class Demo:
    """``edge-gateway demo`` in its own process, with its own temporary directory."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        tmp.mkdir()
        port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "demo", "--port", str(port), "--interval", "0.3"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"},
        )
        self.output: list[str] = []
        assert self.proc.stdout is not None
        stdout = self.proc.stdout
        self._reader = threading.Thread(
            target=lambda: self.output.extend(line.decode(errors="replace") for line in stdout),
            daemon=True,
        )
        self._reader.start()
        self.seen: dict[int, Proc] = {}  # every child seen, so that orphans can be found

    def children(self) -> list[Proc]:
        now = descendants(self.proc.pid)
        self.seen.update((p.pid, p) for p in now)
        return now

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + LIMIT
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError(f"the demo ended before {what}:\n{''.join(self.output)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{''.join(self.output)}")
            time.sleep(0.01)

    def terminate(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(LIMIT)
        # A child left running still holds the output pipe open: do not wait for it.
        self._reader.join(5)
        return code

    def kill_everything(self) -> None:
        """Whatever the outcome, leave nothing running on the shared machine."""
        self.children()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for child in self.seen.values():
            if child.alive():
                os.kill(child.pid, signal.SIGKILL)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    running = Demo(tmp_path / "tmp")
    try:
        yield running
    finally:
        running.kill_everything()


def _has(children: list[Proc], what: str) -> bool:
    return any(what in child.command for child in children)


def _assert_stopped_cleanly(demo: Demo, code: int) -> None:
    left = [child for child in demo.seen.values() if child.alive()]
    assert left == [], f"still running after the demo ended: {left}"
    assert code == 0, "".join(demo.output)
    assert list(demo.tmp.iterdir()) == [], "the demo's temporary folder is still there"
    assert "Traceback" not in "".join(demo.output)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_running_demo_and_all_it_started(
    demo: Demo, sig: signal.Signals
) -> None:
    # SIGINT to the demo alone: Ctrl-C without the terminal signalling the children as well.
    demo.wait_until(lambda: any(BANNER in line for line in demo.output), "the banner")
    demo.wait_until(lambda: any("resident 2" in line for line in demo.output), "residents")
    children = demo.children()
    assert _has(children, "mosquitto")
    assert _has(children, "cloud_sync.monitor.cli")
    _assert_stopped_cleanly(demo, demo.terminate(sig))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("started", ["mosquitto", "cloud_sync.monitor.cli"])
def test_sigterm_during_start_up_leaves_no_child_behind(demo: Demo, started: str) -> None:
    demo.wait_until(lambda: _has(demo.children(), started), f"{started} to start")
    code = demo.terminate()
    assert not any(BANNER in line for line in demo.output), "signalled after start-up, not during"
    _assert_stopped_cleanly(demo, code)
