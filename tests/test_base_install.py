"""A Pi gateway's base install (no extras) checks and runs a checkpoint-only configuration, and a
configuration that needs an extra says which one to install.

The base install is played in a subprocess of this virtualenv in which every module that the
base requirements do not bring (by the installed packages' own metadata: the project's
requirements without extras, and theirs, recursively) cannot be imported: OpenCV, numpy,
pymodbus, psycopg, but also pytest, httpx or playwright, so that the gateway cannot lean on a
test-only package either.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement

from edge.demo.workspace import LanePorts, Workspace, make_workspace
from firmware_interfaces.extras import DISTRIBUTION
from tests.brokers import free_port

REPO = Path(__file__).parents[1]

#: what a virtualenv has before anything is installed in it
VENV_OWN = {"pip", "setuptools", "wheel"}

BLOCKER = """
import os, sys

BLOCKED = frozenset(os.environ["BASE_INSTALL_BLOCKED"].split(","))


class NotInTheBaseInstall:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            why = f"No module named {name!r} (not in the base install)"
            raise ModuleNotFoundError(why, name=name)
        return None


sys.meta_path.insert(0, NotInTheBaseInstall())
"""


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def base_distributions() -> set[str]:
    """The project and what its requirements without extras bring in, recursively."""
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set(VENV_OWN)
    todo = [(DISTRIBUTION, frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        names.add(_canonical(name))
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        for spec in requires:
            req = Requirement(spec)
            wanted = [""] if name == DISTRIBUTION else ["", *extras]
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in wanted):
                todo.append((_canonical(req.name), frozenset(req.extras)))
    return names


def blocked_modules() -> list[str]:
    base = base_distributions()
    return sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if not any(_canonical(d) in base for d in dists)
    )


@pytest.fixture(scope="module")
def base_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("base-install")
    (site / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    env["BASE_INSTALL_BLOCKED"] = ",".join(blocked_modules())
    return env


def edge_gateway(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    lane = LanePorts("gate", "Gate", "ascii-braces", "/dev/null", "/dev/null")
    yield make_workspace(tmp_path, [lane], web_port=free_port())


def test_the_blocker_hides_the_extras_and_the_test_tools(base_env: dict[str, str]) -> None:
    blocked = set(base_env["BASE_INSTALL_BLOCKED"].split(","))
    assert {"cv2", "numpy", "zxingcpp", "pymodbus", "psycopg", "pytest", "httpx"} <= blocked
    assert not {"fastapi", "pydantic", "paho", "sqlite_utils", "serial", "edge"} & blocked
    probe = subprocess.run(
        [sys.executable, "-c", "import numpy"], env=base_env, capture_output=True, text=True
    )
    assert probe.returncode == 1 and "not in the base install" in probe.stderr


def test_help_lists_every_command(base_env: dict[str, str]) -> None:
    result = edge_gateway(base_env, "--help")
    assert result.returncode == 0, result.stderr
    assert "decode-image" in result.stdout and "demo" in result.stdout


def test_check_config_and_run_a_checkpoint(base_env: dict[str, str], workspace: Workspace) -> None:
    result = edge_gateway(base_env, "check-config", str(workspace.config))
    assert result.returncode == 0, result.stderr
    assert f"{workspace.config}: OK" in result.stdout

    gateway = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "run", "--config", str(workspace.config)],
        env=base_env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        port = re.search(r"^port = (\d+)", workspace.config.read_text(), re.M)
        assert port is not None
        url = f"http://127.0.0.1:{port.group(1)}/healthz"
        deadline = time.monotonic() + 30
        while True:
            assert gateway.poll() is None, gateway.communicate()[0]
            try:
                if httpx.get(url).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the gateway did not answer /healthz"
            time.sleep(0.2)
        gateway.send_signal(signal.SIGTERM)
        out, _ = gateway.communicate(timeout=20)
        assert gateway.returncode == 0, out
        assert "not in the base install" not in out
    finally:
        if gateway.poll() is None:
            gateway.kill()
            gateway.wait()


def test_a_camera_without_its_extra_says_what_to_install(
    base_env: dict[str, str], workspace: Workspace
) -> None:
    with workspace.config.open("a") as config:
        config.write(
            '\n[[devices]]\nid = "gate-camera"\nlane = "gate"\nkind = "scanner"\n'
            'transport = "camera"\nsource = "0"\n'
        )
    wanted = (
        "the camera needs the 'camera' extra: pip install 'community-checkpoint-gateway[camera]'"
    )
    check = edge_gateway(base_env, "check-config", str(workspace.config))
    assert check.returncode == 1
    assert check.stderr.startswith(f"{workspace.config}: {wanted}"), check.stderr
    assert "Traceback" not in check.stderr
    run = edge_gateway(base_env, "run", "--config", str(workspace.config))
    assert run.returncode == 1
    assert run.stderr.startswith(f"edge-gateway run: {wanted}"), run.stderr


STOREROOM = """
[storeroom]
[storeroom.mqtt]
host = "127.0.0.1"
port = 1883
[[storeroom.shelves]]
key = "shelf-1"
source = "mqtt"
capacity_kg = 40
[[storeroom.items]]
key = "gel"
name = "Hand gel"
unit = "bottle"
unit_weight_kg = 0.5
shelf = "shelf-1"
lead_time_days = 3
"""

MODBUS_SHELF = """
[[storeroom.buses]]
key = "rs485"
port = "/dev/null"
[[storeroom.shelves]]
key = "shelf-2"
source = "modbus"
bus = "rs485"
address = 1
profile = "float32"
capacity_kg = 60
"""


def test_a_storeroom_on_mqtt_needs_no_extra_and_modbus_says_so(
    base_env: dict[str, str], workspace: Workspace
) -> None:
    with workspace.config.open("a") as config:
        config.write(STOREROOM)
    mqtt_only = edge_gateway(base_env, "check-config", str(workspace.config))
    assert mqtt_only.returncode == 0, mqtt_only.stderr
    assert "storeroom: 1 item(s)" in mqtt_only.stdout
    with workspace.config.open("a") as config:
        config.write(MODBUS_SHELF)
    modbus = edge_gateway(base_env, "check-config", str(workspace.config))
    assert modbus.returncode == 1
    assert modbus.stderr.startswith(
        f"{workspace.config}: Modbus devices need the 'modbus' extra:"
        " pip install 'community-checkpoint-gateway[modbus]'"
    ), modbus.stderr


def test_the_camera_command_and_the_demo_say_what_to_install(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    image = edge_gateway(base_env, "decode-image", str(tmp_path / "card.png"))
    assert image.returncode == 1
    assert "the camera needs the 'camera' extra" in image.stderr, image.stderr
    demo = edge_gateway(base_env, "demo", "--data-dir", str(tmp_path / "demo"))
    assert demo.returncode == 1
    assert demo.stderr.startswith(
        "edge-gateway demo: the demo needs the 'demo' extra:"
        " pip install 'community-checkpoint-gateway[demo]'"
    ), demo.stderr


MONITOR_ON_PG = ["--db", "postgresql://127.0.0.1:1/y", "--broker", "127.0.0.1:1"]


def test_the_monitor_on_postgresql_says_what_to_install(base_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cloud_sync.monitor.cli", "run", "--http", "off", *MONITOR_ON_PG],
        env=base_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert (
        "PostgreSQL storage needs the 'monitor' extra:"
        " pip install 'community-checkpoint-gateway[monitor]'"
    ) in result.stderr, result.stderr
