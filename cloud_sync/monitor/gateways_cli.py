"""``central-monitor gateways``: the centre's registry of gateways, from the command line.

central-monitor gateways add gw-0001 --community Riverside --name "North gate" \
    --street "Jiefang Street" --district "Jiang'an" --db URL
central-monitor gateways set gw-0001 --community Hilltop --street "Xinhua Street" --db URL
central-monitor gateways remove gw-0001 --db URL
central-monitor gateways list [--json] --db URL

Exit status: 0 done, 1 refused (already registered, not registered), 2 a usage error (a bad
gateway id or community), 3 the database failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

DESCRIPTION = """\
The centre's registry of gateways. A gateway's figures count for the community registered
here, never for the one its birth claims. A gateway nobody registered is held apart (shown on
its own, marked unregistered) or refused, as `central-monitor run --unknown-gateways` says.
Exit status: 0 done, 1 refused, 2 usage error, 3 the database failed."""

# -- what a person reads (one place, to be translated) ---------------------------------------
ADDED = "registered {gateway} in community {community!r}{named}"
NAMED = " as {name!r}"
ALREADY = "{gateway} is already registered (in {community!r}); change it with: gateways set"
CHANGED = "{gateway} is now in community {community!r}{named}"
NOT_REGISTERED = "{gateway} is not registered"
REMOVED = "removed {gateway}; its figures stay, held apart as unregistered"
NOTHING_TO_CHANGE = "nothing to change: give --community, --name, --street or --district"
PLACED = " ({place})"
HEADINGS = ("GATEWAY", "COMMUNITY", "STREET", "DISTRICT", "NAME", "STATE")
NONE_REGISTERED = "No gateway is registered yet."
UNREGISTERED_HEADING = "Seen but not registered (held apart or refused):"
SAYS = "says {community!r}"
STATE = {(False, False): "never seen", (True, False): "offline", (True, True): "online"}


def add_parser(commands: Any, db_option: Any) -> None:
    """Add ``gateways`` and its subcommands to the CLI's subparsers."""
    gateways = commands.add_parser(
        "gateways",
        help="register gateways: which community each belongs to",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = gateways.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="add, set, remove or list"
    )
    add = actions.add_parser(
        "add", help="register a gateway", description="Register a gateway in a community."
    )
    add.add_argument("gateway", help="the gateway id (its broker login)")
    add.add_argument("--community", required=True, help="the community it belongs to")
    add.add_argument("--name", default="", help="a display name for people (optional)")
    add.add_argument(
        "--street", default="", help="the street (sub-district) the community is in (optional)"
    )
    add.add_argument("--district", default="", help="the district it is in (optional)")
    change = actions.add_parser(
        "set",
        help="change a registered gateway",
        description="Change a registered gateway's community or display name.",
    )
    change.add_argument("gateway", help="the gateway id")
    change.add_argument("--community", help="its new community")
    change.add_argument("--name", help="its new display name")
    change.add_argument("--street", help="its street (sub-district)")
    change.add_argument("--district", help="its district")
    remove = actions.add_parser(
        "remove",
        help="forget a gateway",
        description="Forget a gateway; its figures stay, held apart as unregistered.",
    )
    remove.add_argument("gateway", help="the gateway id")
    listing = actions.add_parser(
        "list",
        help="show the registry",
        description="Show the registered gateways, and those seen but not registered.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    for sub in (add, change, remove, listing):
        db_option(sub, "sqlite:///central-monitor.db")


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _list(storage: Any, as_json: bool) -> int:
    entries = storage.registry.entries()
    unregistered = storage.registry.unregistered()
    if as_json:
        print(json.dumps({"registered": entries, "unregistered": unregistered}, indent=2))
        return EXIT_OK
    if entries:
        rows = [HEADINGS] + [
            (
                e["gateway"],
                e["community"],
                e["street"],
                e["district"],
                e["display_name"],
                STATE[(e["seen"], e["online"])],
            )
            for e in entries
        ]
        print(_table(rows))
    else:
        print(NONE_REGISTERED)
    if unregistered:
        print("\n" + UNREGISTERED_HEADING)
        for u in unregistered:
            claim = SAYS.format(community=u["claimed_community"]) if u["claimed_community"] else ""
            print(f"  {u['gateway']}  {claim}".rstrip())
    return EXIT_OK


def _place(where: Any) -> str:
    """`` (Jiefang Street, Jiang'an)``, or nothing when neither is known."""
    get = where.get if isinstance(where, dict) else lambda k: getattr(where, k)
    place = ", ".join(p.strip() for p in (get("street") or "", get("district") or "") if p.strip())
    return PLACED.format(place=place) if place else ""


def _act(args: argparse.Namespace, storage: Any) -> int:
    from cloud_sync.monitor.storage.registry import Entry

    registry, gw, now = storage.registry, args.gateway, time.time()
    if args.action == "add":
        if not registry.add(Entry(gw, args.community, args.name, args.street, args.district), now):
            current = {e["gateway"]: e for e in registry.entries()}[gw]
            print(ALREADY.format(gateway=gw, community=current["community"]), file=sys.stderr)
            return EXIT_REFUSED
        named = NAMED.format(name=args.name.strip()) if args.name.strip() else ""
        print(
            ADDED.format(gateway=gw, community=args.community.strip(), named=named) + _place(args)
        )
        return EXIT_OK
    if args.action == "set":
        if all(getattr(args, k) is None for k in ("community", "name", "street", "district")):
            print(NOTHING_TO_CHANGE, file=sys.stderr)
            return EXIT_USAGE
        changed = registry.update(
            gw, now, args.community, args.name, street=args.street, district=args.district
        )
        if not changed:
            print(NOT_REGISTERED.format(gateway=gw), file=sys.stderr)
            return EXIT_REFUSED
        entry = {e["gateway"]: e for e in registry.entries()}[gw]
        named = NAMED.format(name=entry["display_name"]) if entry["display_name"] else ""
        print(CHANGED.format(gateway=gw, community=entry["community"], named=named) + _place(entry))
        return EXIT_OK
    if not registry.remove(gw):
        print(NOT_REGISTERED.format(gateway=gw), file=sys.stderr)
        return EXIT_REFUSED
    print(REMOVED.format(gateway=gw))
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from cloud_sync.monitor.errors import RegistryError
    from cloud_sync.monitor.storage import open_storage

    storage = open_storage(args.db)
    try:
        if args.action == "list":
            return _list(storage, args.json)
        return _act(args, storage)
    except RegistryError as exc:
        print(f"central-monitor gateways: {exc.reason}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        storage.close()
