"""The ``edge-gateway`` subcommands; each module's ``register`` adds its own."""

from __future__ import annotations

import argparse

from edge.commands import check_config, demo, run
from edge.verify.community_pass import command as community_pass
from edge.verify.dcc import command as dcc
from edge.web import command as web
from firmware_interfaces.camera import command as camera
from firmware_interfaces.simulators import command as simulate


def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run.register(subparsers)
    check_config.register(subparsers)
    demo.register(subparsers)
    simulate.register(subparsers)
    community_pass.register(subparsers)
    dcc.register(subparsers)
    camera.register(subparsers)
    web.register(subparsers)
