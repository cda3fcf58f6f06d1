"""``edge-gateway check-config FILE``: every problem, with the file and the key path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from edge.config import ConfigError
from edge.config.files import load_config_checking_files
from edge.runtime.assembly import check_everything
from firmware_interfaces.extras import MissingExtraError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check-config",
        help="check a configuration file and the files it names",
        description=(
            "Validate a gateway configuration file, its policy file and every section, without"
            " starting anything. Prints each problem as FILE: KEY: MESSAGE (every missing file"
            " at once, with how to make it) and exits 1 if there is any, 0 if the configuration"
            " is usable."
        ),
    )
    p.add_argument("file", type=Path, help="the gateway configuration (TOML)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        load_config_checking_files(args.file)
        summary = check_everything(args.file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    except MissingExtraError as exc:  # e.g. a camera configured on a base install
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.file}: OK")
    for line in summary:
        print(f"  {line}")
    return 0
