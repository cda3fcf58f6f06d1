"""``edge-gateway init DIR``: a new installation that ``check-config`` passes and ``run`` serves."""

from __future__ import annotations

import argparse
import getpass
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from edge.config.starter import (
    Installation,
    NewAccount,
    StarterError,
    StarterOptions,
    check_password,
    create_installation,
    default_gateway_id,
    generate_password,
)

# What a person reads, kept together.
HELP = "make a new gateway installation: configuration, keys, staff accounts, status list"
DESCRIPTION = (
    "Make a working gateway installation in DIR (created if need be): gateway.toml, the"
    " admission policy, staff accounts with generated (or, with --ask-passwords, typed)"
    " passwords, the page's session key, a pass-signing key pair and an empty signed status"
    " list. 'edge-gateway check-config DIR/gateway.toml' then passes and 'edge-gateway run"
    " --config DIR/gateway.toml' serves the page. Give the lane's devices with --thermometer"
    " and --scanner, or add them to gateway.toml later. The private key is written to"
    " DIR/issuer/: move that folder to the machine where passes are issued. Existing files are"
    " never overwritten."
)
PROMPT = "password for {username} ({role}): "
PROMPT_AGAIN = "again: "
DIFFERENT = "the two passwords differ; try again"
NO_PASSWORD_LINE = "no password for {username!r} on standard input (one line per account)"  # noqa: S105
MADE = "Made a new gateway installation in {root}:"
FILES = [
    ("config", "configuration"),
    ("policy", "admission policy"),
    ("users", "staff accounts"),
    ("session_key", "session key (secret)"),
    ("public_key", "pass-checking key"),
    ("status_list", "status list (empty)"),
    ("private_key", "pass-signing key (secret)"),
]
MOVE_ISSUER = (
    "Move {issuer} off the gateway, to the machine where passes are issued: whoever holds"
    " that key can issue passes this gateway accepts."
)
ACCOUNTS = "Accounts (shown once; note the passwords now):"
ACCOUNTS_TYPED = "Accounts (with the passwords you typed):"
NO_DEVICES = (
    "No thermometer or scanner was given: add them to {config} ([[devices]], commented out"
    " there), or run init again in a new folder with --thermometer and --scanner."
)
NEXT = "Next:"
NEXT_STEPS = [
    "edge-gateway check-config {config}",
    "edge-gateway run --config {config}    (then open http://{host}:{port}/)",
    "edge-gateway issue-pass --key {private_key} --kid {kid} --resident r-0001 --status green",
    "edge-gateway sign-status-list STATUS.csv --key {private_key} --kid {kid} --out {status_list}",
]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("init", help=HELP, description=DESCRIPTION)
    p.add_argument("dir", type=Path, metavar="DIR", help="the installation's folder")
    p.add_argument("--id", help="the gateway's id, unique in the district (default: DIR's name)")
    p.add_argument("--name", default="Community gateway", help="the community's name on the page")
    p.add_argument(
        "--data-dir",
        default="data",
        help="where the gateway keeps its database (default: DIR/data; for the systemd"
        " service: /var/lib/edge-gateway)",
    )
    p.add_argument("--lane", default="gate-1", help="the first lane's id (default: %(default)s)")
    p.add_argument(
        "--host",
        default="0.0.0.0",  # noqa: S104 - the page is for tablets on the checkpoint's LAN
        help="address to serve the page on (default: %(default)s)",
    )
    p.add_argument("--port", type=int, default=8080, help="port of the page (default: %(default)s)")
    p.add_argument("--thermometer", metavar="PORT", help="the lane's thermometer's serial port")
    p.add_argument(
        "--thermometer-protocol",
        choices=["ascii-braces", "gy-mcu90614"],
        default="ascii-braces",
        help="how the thermometer talks (default: %(default)s)",
    )
    p.add_argument("--scanner", metavar="PORT", help="the lane's QR scanner's serial port")
    p.add_argument(
        "--staff",
        action="append",
        metavar="NAME",
        help="a staff account (repeatable; default: one named 'staff')",
    )
    p.add_argument(
        "--supervisor",
        action="append",
        metavar="NAME",
        help="a supervisor account (repeatable; default: one named 'supervisor')",
    )
    p.add_argument(
        "--ask-passwords",
        action="store_true",
        help="type each account's password (on a terminal, twice; else one line each on"
        " standard input) instead of having them generated",
    )
    p.add_argument("--kid", help="the pass-signing key's id (default: the gateway id and the year)")
    p.set_defaults(func=run)


def _accounts(args: argparse.Namespace) -> list[tuple[str, str]]:
    staff, supervisors = args.staff, args.supervisor
    if not staff and not supervisors:
        staff, supervisors = ["staff"], ["supervisor"]
    return [(name, "staff") for name in staff or []] + [
        (name, "supervisor") for name in supervisors or []
    ]


def _typed_password(username: str, role: str) -> str:
    if sys.stdin.isatty():
        while True:
            first = getpass.getpass(PROMPT.format(username=username, role=role))
            if first == getpass.getpass(PROMPT_AGAIN):
                check_password(username, first)
                return first
            print(DIFFERENT, file=sys.stderr)
    line = sys.stdin.readline()
    if not line:
        raise StarterError(NO_PASSWORD_LINE.format(username=username))
    password = line.rstrip("\r\n")
    check_password(username, password)
    return password


def run(args: argparse.Namespace) -> int:
    gateway_id = args.id or default_gateway_id(args.dir)
    try:
        accounts = tuple(
            NewAccount(
                name,
                role,
                _typed_password(name, role) if args.ask_passwords else generate_password(),
            )
            for name, role in _accounts(args)
        )
        options = StarterOptions(
            gateway_id=gateway_id,
            accounts=accounts,
            kid=args.kid or f"{gateway_id}-{datetime.now(UTC).year}",
            name=args.name,
            data_dir=args.data_dir,
            lane=args.lane,
            host=args.host,
            port=args.port,
            thermometer=args.thermometer,
            thermometer_protocol=args.thermometer_protocol,
            scanner=args.scanner,
        )
        made = create_installation(args.dir, options)
    except StarterError as exc:
        print(f"init: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"init: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    _report(made, options, typed=args.ask_passwords)
    return 0


def _paragraph(text: str) -> None:
    print(textwrap.fill(text, width=88, break_long_words=False, break_on_hyphens=False))


def _report(made: Installation, options: StarterOptions, *, typed: bool) -> None:
    print(MADE.format(root=made.root))
    for attribute, what in FILES:
        print(f"  {what:<27} {getattr(made, attribute)}")
    print()
    _paragraph(MOVE_ISSUER.format(issuer=made.issuer_dir))
    print()
    print(ACCOUNTS_TYPED if typed else ACCOUNTS)
    for account in options.accounts:
        password = "" if typed else account.password
        print(f"  {account.username:<16} {account.role:<11} {password}".rstrip())
    if options.thermometer is None or options.scanner is None:
        print()
        _paragraph(NO_DEVICES.format(config=made.config))
    print()
    print(NEXT)
    host = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host  # noqa: S104
    for step in NEXT_STEPS:
        print(
            "  "
            + step.format(
                config=made.config,
                host=host,
                port=options.port,
                private_key=made.private_key,
                kid=made.kid,
                status_list=made.status_list,
            )
        )
