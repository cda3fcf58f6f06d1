"""Who may use the dashboard, from the command line: the login options of ``run`` and
``dashboard``, and the commands that make a users file.

central-monitor add-user --users centre-users.toml --username ana --role viewer
central-monitor hash-password

Exit status of add-user: 0 done, 1 refused (the user exists; --replace), 2 a usage error,
3 the users file cannot be read or written.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
COMMANDS = ("add-user", "hash-password")
ROLE_NAMES = ("viewer", "officer", "admin")  # cloud_sync.monitor.auth.ROLES (lazily loaded)

# -- what a person reads (one place, to be translated) ---------------------------------------
ADDED = "{username} ({role}) is in {path}"
DIFFER = "the two passwords differ"
EMPTY = "an empty password is not allowed"
PROMPT, AGAIN = "password: ", "again: "


def login_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("who may log in")
    group.add_argument(
        "--users",
        type=Path,
        metavar="FILE",
        help="the users file (TOML: [[users]] username, role viewer/officer/admin,"
        " password_hash); needed to serve the dashboard; make it with add-user",
    )
    group.add_argument(
        "--sessions-db",
        type=Path,
        metavar="FILE",
        help="a SQLite file that keeps logins (and changed passwords) across restarts;"
        " without it a restart logs everyone out",
    )
    group.add_argument(
        "--metrics-token-file",
        type=Path,
        metavar="FILE",
        help="a token Prometheus sends as a bearer for /metrics (else /metrics needs a login)",
    )
    group.add_argument(
        "--metrics-public",
        action="store_true",
        help="serve /metrics without a login (a trusted network only)",
    )


def settings_values(args: argparse.Namespace) -> dict[str, Any]:
    if not hasattr(args, "sessions_db"):  # not run or dashboard
        return {}
    return {
        "users_file": args.users,
        "sessions_db": args.sessions_db,
        "metrics_token_file": args.metrics_token_file,
        "metrics_public": args.metrics_public,
    }


def add_parsers(commands: Any) -> None:
    add = commands.add_parser(
        "add-user",
        help="add a user to the dashboard's users file (made if need be)",
        description="Add a user to the users file that run/dashboard --users reads, making "
        "the file if need be (mode 0600, written whole and renamed into place). The password "
        "is prompted for twice on a terminal, else read from the first line of standard input. "
        "Roles: viewer (looks), officer, admin (also signs everyone out). "
        "Exit status: 0 done, 1 the user exists (see --replace), 2 usage, 3 file error.",
    )
    add.add_argument("--users", required=True, type=Path, metavar="FILE", help="the users file")
    add.add_argument("--username", required=True, help="the login name")
    add.add_argument("--role", required=True, choices=ROLE_NAMES, help="what the user may do")
    add.add_argument(
        "--replace", action="store_true", help="replace the user's role and password if present"
    )
    commands.add_parser(
        "hash-password",
        help="hash a password for a users file",
        description="Read a password (prompted twice on a terminal, else the first line of "
        "standard input) and print its scrypt hash, for a password_hash in a users file.",
    )


def _read_password() -> str | None:
    if sys.stdin.isatty():
        first = getpass.getpass(PROMPT)
        if first != getpass.getpass(AGAIN):
            print(DIFFER, file=sys.stderr)
            return None
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    from cloud_sync.monitor.auth import UserExistsError, add_user
    from cloud_sync.monitor.errors import ConfigError
    from edge.auth.passwords import hash_password

    password = _read_password()
    if password is None:
        return EXIT_REFUSED
    if not password:
        print(EMPTY, file=sys.stderr)
        return EXIT_USAGE
    if args.command == "hash-password":
        print(hash_password(password))
        return EXIT_OK
    try:
        add_user(args.users, args.username, args.role, password, replace=args.replace)
    except UserExistsError as exc:
        print(f"central-monitor: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except ConfigError as exc:
        print(f"central-monitor: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.key in ("username", "role") else EXIT_FAILED
    except OSError as exc:
        print(f"central-monitor: {args.users}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(ADDED.format(username=args.username, role=args.role, path=args.users))
    return EXIT_OK


def check_login(settings: Any) -> None:
    """Before serving: the users file must be there and usable (raises ConfigError)."""
    from cloud_sync.monitor.auth import metrics_dependency, require_users

    require_users(settings)
    metrics_dependency(settings)
