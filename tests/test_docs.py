"""Every command-line command and every API route is documented in the README."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from edge.cli import build_parser

README = (Path(__file__).parents[1] / "README.md").read_text()


def subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    return []


def test_every_edge_gateway_command_is_in_the_readme() -> None:
    names = subcommands(build_parser())
    assert {"run", "demo", "check-config", "simulate", "issue-pass", "verify-code"} <= set(names)
    missing = [n for n in names if not re.search(rf"`edge-gateway {re.escape(n)}\b", README)]
    assert missing == [], f"undocumented edge-gateway commands: {missing}"


def test_every_command_has_help_text() -> None:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                assert sub.description or sub.format_help().strip(), name
            helps = {a.dest: a.help for a in action._choices_actions}
            assert all(helps.values()), f"commands without a one-line help: {helps}"
