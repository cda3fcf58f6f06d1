"""``simulate``: simulated devices on pseudo-terminals, for demos and bench tests.

The ``edge-gateway`` CLI calls :func:`register` to add the subcommand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path

from firmware_interfaces.codecs import gy_mcu90614, thermometer_ascii
from firmware_interfaces.codecs.catalogue import profile
from firmware_interfaces.events import TemperatureReading
from firmware_interfaces.simulators.devices import ScannerSimulator, ThermometerSimulator
from firmware_interfaces.simulators.generators import (
    ScriptError,
    random_codes,
    random_readings,
    scripted_codes,
    scripted_readings,
)

_LINK_HELP = (
    "also keep a symlink at PATH pointing to the current terminal (like /dev/serial/by-id); "
    "give the gateway this path so it finds the device again after a restart of the simulator"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``simulate thermometer`` and ``simulate scanner`` to a CLI."""
    simulate = subparsers.add_parser(
        "simulate",
        help="run a simulated thermometer or scanner on a pseudo-terminal",
        description=(
            "Open a pseudo-terminal, print the port the gateway should open, then send "
            "readings or codes (random, or from a file) until Ctrl-C."
        ),
    )
    devices = simulate.add_subparsers(dest="device", required=True, metavar="DEVICE")

    thermometer = devices.add_parser(
        "thermometer",
        help="a serial IR thermometer",
        description=(
            "A serial IR thermometer. ascii-braces sends lines like {36.7} (115200 8N1); "
            "gy-mcu90614 sends binary frames (9600 8N1) once the gateway sends its "
            "continuous-output command A5 45 EA, and one frame per query A5 15 BA."
        ),
    )
    thermometer.add_argument(
        "--protocol",
        choices=[thermometer_ascii.PROTOCOL, gy_mcu90614.PROTOCOL],
        default=thermometer_ascii.PROTOCOL,
        help="the wire protocol (default: %(default)s)",
    )
    thermometer.add_argument(
        "--interval",
        type=_positive,
        default=2.0,
        metavar="S",
        help="seconds between readings (default: %(default)s)",
    )
    thermometer.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help="send the readings in FILE in a loop: one a line, '36.7' or '36.7 22.1' "
        "(object, ambient °C), '#' starts a comment; default: random readings, 5%% fevers",
    )
    thermometer.add_argument("--link", type=Path, metavar="PATH", help=_LINK_HELP)
    thermometer.add_argument("--seed", type=int, help="seed for random readings")
    thermometer.set_defaults(func=run_thermometer)

    scanner = devices.add_parser(
        "scanner",
        help="a QR/barcode scanner in serial mode",
        description="A QR/barcode scanner in serial mode, 9600 8N1, one code per line.",
    )
    scanner.add_argument(
        "--suffix",
        choices=["CR", "LF", "CRLF"],
        default="CR",
        help="what ends each code (default: %(default)s)",
    )
    scanner.add_argument(
        "--aim", action="store_true", help="start each code with its AIM symbology id (]Q1)"
    )
    scanner.add_argument("--prefix", default="", help="text sent before each code")
    scanner.add_argument(
        "--codes",
        type=Path,
        metavar="FILE",
        help="send the codes in FILE in a loop, one a line; default: random codes",
    )
    scanner.add_argument(
        "--interval",
        type=_positive,
        default=3.0,
        metavar="S",
        help="seconds between codes (default: %(default)s)",
    )
    scanner.add_argument("--link", type=Path, metavar="PATH", help=_LINK_HELP)
    scanner.add_argument("--seed", type=int, help="seed for random codes")
    scanner.set_defaults(func=run_scanner)
    simulate.set_defaults(func=run)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text}")
    return value


def run(args: argparse.Namespace) -> int:
    return run_scanner(args) if args.device == "scanner" else run_thermometer(args)


def run_thermometer(args: argparse.Namespace) -> int:
    try:
        if args.script is not None:
            readings: Iterator[TemperatureReading] = itertools.cycle(scripted_readings(args.script))
        else:
            readings = random_readings(random.Random(args.seed))
    except (OSError, ScriptError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    return _until_interrupted(_thermometer(args, readings))


def run_scanner(args: argparse.Namespace) -> int:
    try:
        if args.codes is not None:
            codes: Iterator[str] = itertools.cycle(scripted_codes(args.codes))
        else:
            codes = random_codes(random.Random(args.seed))
    except (OSError, ScriptError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    return _until_interrupted(_scanner(args, codes))


def _until_interrupted(main: Coroutine[object, object, None]) -> int:
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a simulator is meant to stop
        asyncio.run(main)
    return 0


async def _thermometer(args: argparse.Namespace, readings: Iterator[TemperatureReading]) -> None:
    async with ThermometerSimulator(args.protocol, link=args.link) as device:
        baudrate = profile(args.protocol).baudrate
        print(f"{args.protocol} thermometer: open {device.path} at {baudrate} baud", flush=True)
        for reading in readings:
            await device.send_reading(reading.celsius, reading.ambient_celsius)
            state = "sent" if device.streaming else "held for a query"
            print(f"{reading.celsius:.1f} °C {state}", flush=True)
            await asyncio.sleep(args.interval)


async def _scanner(args: argparse.Namespace, codes: Iterator[str]) -> None:
    async with ScannerSimulator(
        args.suffix, prefix=args.prefix.encode(), aim=args.aim, link=args.link
    ) as device:
        print(f"scanner: open {device.path} at {profile('scanner').baudrate} baud", flush=True)
        for code in codes:
            await device.scan(code)
            print(f"scanned {code}", flush=True)
            await asyncio.sleep(args.interval)
