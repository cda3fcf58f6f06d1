"""``edge-gateway demo``: the whole checkpoint with simulated devices, nothing to configure."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from edge.commands.ports import by_option, listen_problem
from firmware_interfaces.extras import MissingExtraError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run everything simulated, with a stream of residents; nothing to configure",
        description=(
            "Start simulated thermometers and QR scanners on real pseudo-terminals, the gateway"
            " and its page, then play a stream of residents (green, red, expired, feverish,"
            " forged and unreadable codes) so that every outcome shows within a minute. Prints"
            " the page's address and the staff and supervisor passwords it made up."
        ),
    )
    p.add_argument("--port", type=int, default=8080, help="web page port (default: %(default)s)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default: %(default)s)")
    p.add_argument(
        "--data-dir",
        type=Path,
        help="where to keep the demo's keys, config and database (default: a new temp folder)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=2.5,
        help="seconds between residents (default: %(default)s)",
    )
    p.add_argument("--rounds", type=int, help="stop after this many rounds of residents")
    p.add_argument("--quiet", action="store_true", help="do not print each resident and decision")
    p.add_argument(
        "--no-centre",
        action="store_true",
        help="do not start a broker and a central monitor for the gateway to sync to",
    )
    p.add_argument(
        "--no-storeroom", action="store_true", help="do not simulate the storeroom's sensors"
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:  # the demo's storeroom plays Modbus devices: the 'demo' extra, not loaded for --help
        from edge.demo.runner import DemoOptions, run_demo
    except MissingExtraError as exc:
        print(f"edge-gateway demo: {MissingExtraError('demo', exc.missing)}", file=sys.stderr)
        return 1
    # Before anything is made: a busy port would otherwise be found only after the
    # simulators, the centre and a temporary folder are set up.
    problem = listen_problem(args.host, args.port, by_option("--port", args.port))
    if problem is not None:
        print(f"edge-gateway demo: {problem}", file=sys.stderr)
        return 1
    opts = DemoOptions(
        port=args.port,
        host=args.host,
        data_dir=args.data_dir,
        interval_s=args.interval,
        rounds=args.rounds,
        quiet=args.quiet,
        centre=not args.no_centre,
        storeroom=not args.no_storeroom,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(opts))
    return 0
