"""A port already in use is explained, with the option that changes it, and nothing is left."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.cli import main
from edge.commands.ports import by_option, listen_problem

BIN = Path(sys.executable).parent


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_busy_port_is_explained(busy_port: int) -> None:
    problem = listen_problem("127.0.0.1", busy_port, by_option("--port", busy_port))
    assert problem is not None
    assert f"127.0.0.1:{busy_port}" in problem and "another program is using that port" in problem
    assert f"--port {busy_port + 1}" in problem


def test_free_ports_and_port_zero_are_fine() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = int(probe.getsockname()[1])
    assert listen_problem("127.0.0.1", free, "") is None
    assert listen_problem("127.0.0.1", 0, "") is None


def test_an_address_that_is_not_this_machines() -> None:
    problem = listen_problem("192.0.2.1", 8080, "")  # TEST-NET-1: never a local address
    assert problem is not None and "not an address of this machine" in problem


def test_run_on_a_busy_port_says_where_to_change_it(
    tmp_path: Path, busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "gw"
    assert main(["init", str(root), "--host", "127.0.0.1", "--port", str(busy_port)]) == 0
    capsys.readouterr()
    result = subprocess.run(
        [str(BIN / "edge-gateway"), "run", "--config", str(root / "gateway.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "another program is using that port" in result.stderr
    assert f"set port under [web] in {root / 'gateway.toml'}" in result.stderr
    assert "Traceback" not in result.stderr and "Errno" not in result.stderr
    assert not (root / "data").exists()  # nothing was started


def test_the_demo_on_a_busy_port_names_its_option_and_leaves_no_folder(
    tmp_path: Path, busy_port: int
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = subprocess.run(
        [str(BIN / "edge-gateway"), "demo", "--port", str(busy_port), "--no-centre"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert result.returncode == 1
    assert "another program is using that port" in result.stderr
    assert f"--port {busy_port + 1}" in result.stderr
    assert list(temp.iterdir()) == []


@pytest.mark.slow
def test_the_demo_removes_its_temporary_folder_when_it_ends(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    result = subprocess.run(
        [
            *(str(BIN / "edge-gateway"), "demo", "--port", str(port)),
            *("--rounds", "1", "--interval", "0.2", "--quiet", "--no-centre", "--no-storeroom"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert list(temp.iterdir()) == []
