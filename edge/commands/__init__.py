"""The ``edge-gateway`` subcommands; each module's ``register`` adds its own."""

from __future__ import annotations

import argparse

from edge.commands import check_config, run

Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run.register(subparsers)
    check_config.register(subparsers)
