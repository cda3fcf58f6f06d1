"""``edge-gateway run --config FILE``: the gateway itself."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from edge.commands.ports import CHANGE_IN_CONFIG, listen_problem
from edge.config import ConfigError
from edge.config.files import load_config_checking_files
from edge.runtime.assembly import run_gateway


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "run",
        help="run the gateway with a configuration file",
        description=(
            "Run the gateway: open the devices named in the configuration, screen residents,"
            " serve the local page, and (if configured) watch the storeroom and sync to the"
            " centre. SIGHUP reloads the admission policy file; SIGTERM or Ctrl-C stops cleanly."
        ),
    )
    p.add_argument("--config", "-c", type=Path, required=True, help="gateway configuration (TOML)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        config = load_config_checking_files(args.config)  # every missing file at once
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    change = CHANGE_IN_CONFIG.format(config=args.config)
    problem = listen_problem(config.web.host, config.web.port, change)
    if problem is not None:
        print(f"edge-gateway run: {problem}", file=sys.stderr)
        return 1
    try:
        asyncio.run(run_gateway(args.config))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0
