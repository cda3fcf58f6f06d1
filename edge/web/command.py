"""``edge-gateway hash-password``: make a ``password_hash`` for the web users file."""

from __future__ import annotations

import argparse
import getpass
import sys

from edge.auth.passwords import hash_password


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "hash-password",
        help="hash a staff password for the web users file",
        description=(
            "Read a password (prompted twice on a terminal, else the first line of standard"
            " input) and print its scrypt hash, for the password_hash of a [[users]] entry in"
            " the file named by web.users_file."
        ),
    )
    p.set_defaults(func=run)


def _read_password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            print("the two passwords differ", file=sys.stderr)
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    password = _read_password()
    if password is None:
        return 1
    if not password:
        print("an empty password is not allowed", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0
