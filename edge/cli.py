"""``edge-gateway``: run the gateway, check its configuration, simulate devices, issue passes."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from edge.commands import register_all
from edge.commands.version import version_line
from firmware_interfaces.extras import MissingExtraError


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; with ``argv``, only the command named there is loaded."""
    parser = argparse.ArgumentParser(
        prog="edge-gateway",
        description=(
            "Community checkpoint gateway: screens residents at entrances (thermometer +"
            " health-code scanner), watches the storeroom, and syncs aggregates to the centre."
            " Start with 'edge-gateway demo' to see it work with simulated devices."
        ),
    )
    parser.add_argument("--version", action="version", version=version_line("edge-gateway"))
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register_all(subparsers, argv)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    if args.command in ("run", "demo"):
        level = min(level, logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    except MissingExtraError as exc:  # configured, but not installed: say what to install
        print(f"edge-gateway {args.command}: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
