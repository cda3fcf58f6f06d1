"""The ``simulate`` subcommand: documented, and it serves a real pty until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from firmware_interfaces.codecs.thermometer_ascii import AsciiBracesDecoder
from firmware_interfaces.events import DeviceState, TemperatureReading
from firmware_interfaces.simulators.command import register
from firmware_interfaces.transports.serial_port import SerialDevice, SerialSettings
from tests.devices.helpers import WAIT, Recorder, running

HARNESS = """
import argparse, sys
from firmware_interfaces.simulators.command import register
parser = argparse.ArgumentParser(prog="edge-gateway")
register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="edge-gateway")
    register(main.add_subparsers(dest="command", required=True))
    return main


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        (["simulate"], ["thermometer", "scanner"]),
        (["simulate", "thermometer"], ["--protocol", "--interval", "--script", "--link"]),
        (["simulate", "scanner"], ["--suffix", "--aim", "--codes", "--link", "--prefix"]),
    ],
)
def test_every_option_is_documented(
    argv: list[str], options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        parser().parse_args([*argv, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for option in options:
        assert option in text


def test_arguments_reach_the_runner(tmp_path: Path) -> None:
    args = parser().parse_args(
        ["simulate", "thermometer", "--protocol", "gy-mcu90614", "--interval", "0.5"]
    )
    assert args.protocol == "gy-mcu90614"
    assert args.interval == 0.5
    assert callable(args.func)
    bad = tmp_path / "bad.txt"
    bad.write_text("36.7\nwarm\n")
    args = parser().parse_args(["simulate", "thermometer", "--script", str(bad)])
    assert args.func(args) == 2


async def test_the_simulator_prints_its_port_and_serves_scripted_readings(
    tmp_path: Path,
) -> None:
    script = tmp_path / "readings.txt"
    script.write_text("# object, ambient\n36.6\n38.4 21.0\n")
    link = tmp_path / "thermometer"
    argv = ["simulate", "thermometer", "--script", str(script), "--interval", "0.05"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HARNESS, *argv, "--link", str(link), stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), WAIT)
        assert str(link) in first_line.decode()
        events = Recorder()
        device = SerialDevice(SerialSettings(str(link), baudrate=115200), AsciiBracesDecoder())
        async with running(device, events):
            await events.wait_state(DeviceState.CONNECTED)
            await events.wait_for(
                lambda: {TemperatureReading(36.6), TemperatureReading(38.4)} <= set(events.events),
                "both scripted readings",
            )
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), WAIT) == 0
    assert not link.exists()
