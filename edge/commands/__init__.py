"""The ``edge-gateway`` subcommands; each module's ``register`` adds its own."""

from __future__ import annotations

import argparse

from edge.commands import check_config, run
from firmware_interfaces.simulators import command as simulate

def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run.register(subparsers)
    check_config.register(subparsers)
    simulate.register(subparsers)
