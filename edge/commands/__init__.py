"""The ``edge-gateway`` subcommands.

Each command lives in a module with a ``register(subparsers)``. Only the module of the command
being run is imported (all of them for ``--help``), so ``edge-gateway run`` on a Pi never loads
OpenCV or the EU DCC stack unless its configuration asks for them: a matter of tens of MB.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

#: command name -> the module that registers it (a module may register several commands)
COMMANDS: dict[str, str] = {
    "init": "edge.commands.init",
    "run": "edge.commands.run",
    "check-config": "edge.commands.check_config",
    "demo": "edge.commands.demo",
    "simulate": "firmware_interfaces.simulators.command",
    "issue-pass": "edge.verify.community_pass.command",
    "keygen": "edge.verify.community_pass.command",
    "sign-status-list": "edge.verify.community_pass.command",
    "verify-code": "edge.commands.verify_code",
    "decode-image": "firmware_interfaces.camera.command",
    "hash-password": "edge.web.command",
    "households": "edge.commands.households",
    "report": "edge.commands.households",
}


def register_all(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    argv: Sequence[str] | None = None,
) -> None:
    """Register the command named in ``argv``, or every command when none is (or for help)."""
    words = [a for a in (argv or []) if not a.startswith("-")]
    wanted = COMMANDS.get(words[0]) if words else None
    modules = [wanted] if wanted else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(subparsers)
