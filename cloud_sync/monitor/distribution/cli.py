"""``central-monitor publish ...`` and ``central-monitor heard``.

central-monitor publish status-list changes.csv --scope community:willow-court --key centre.key.pem
central-monitor publish status-list all-passes.json --replace --scope all --key centre.key.pem
central-monitor publish trust eu-trust-list.json --scope all --key centre.key.pem
central-monitor publish value-sets valuesets/ --scope all --key centre.key.pem
central-monitor publish policy fever-37.5.toml --scope gateway:gw-0001 --key centre.key.pem
central-monitor publish notice --scope all --severity warning --title "..." --key centre.key.pem
central-monitor publish withdraw-notice n-20261129-010000-ab12 --scope all --key centre.key.pem
central-monitor heard [--publication ID] [--json]

A publication is recorded in the database (and audited: who, what, when, scope); the running
``central-monitor run`` puts it on the broker. ``--wait`` waits until every gateway in scope
holds it. Exit status: 0 published (and, with --wait, heard by all), 1 nothing changes or
not heard by all within --wait, 2 a usage error (a bad file, scope or key), 3 the database
failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_NOT_ALL, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

DESCRIPTION = """\
Publish to the gateways: a status list (revocations, colour changes), signer certificates,
value sets, an admission policy or a notice to the staff. Each publication is signed with the
centre's key, recorded with who published what, when and for whom, and put on the broker by
the running monitor; every gateway in scope verifies it, applies it and acknowledges.
Exit status: 0 published (with --wait: heard by all), 1 nothing changes or not heard by all
within --wait, 2 usage error, 3 the database failed."""

SCOPE_HELP = "all, community:<id> or gateway:<id> (default %(default)s)"

# -- what a person reads (one place, to be translated) ---------------------------------------
PUBLISHED = "published {kind} for {scope}: version {version} (publication #{id}): {summary}"
NOTICE_ID = "notice id: {id}"
HEARD = "heard by {heard} of {audience} gateway(s)"
WAITING_FOR = "  not yet: {gateway}{name}: {why}"
NO_AUDIENCE = "no gateway this centre knows is in that scope (see: central-monitor gateways list)"
HEARD_HEADINGS = ("#", "KIND", "SCOPE", "VERSION", "WHEN", "BY", "HEARD", "SUMMARY")


def add_parsers(commands: Any, db_option: Any) -> None:
    publish = commands.add_parser(
        "publish",
        help="publish a status list, trust material, value sets, a policy or a notice",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = publish.add_subparsers(
        dest="kind",
        required=True,
        metavar="KIND",
        help="status-list, trust, value-sets, policy, notice or withdraw-notice",
    )

    def common(sub: argparse.ArgumentParser, default_scope: str = "all") -> None:
        sub.add_argument("--scope", default=default_scope, help=SCOPE_HELP)
        sub.add_argument(
            "--key",
            required=True,
            type=Path,
            metavar="PRIVATE_KEY",
            help="the centre's private key (PEM) to sign with",
        )
        sub.add_argument("--kid", help="the key's id as gateways know it (default: file name)")
        sub.add_argument("--by", default=None, help="who publishes, for the audit (default: you)")
        sub.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="wait this long for every gateway in scope to hold it (default: do not wait)",
        )
        sub.add_argument("--json", action="store_true", help="print JSON")
        db_option(sub, "sqlite:///central-monitor.db")

    status = kinds.add_parser(
        "status-list",
        help="colours of community passes (CSV or JSON)",
        description="Change colours of community passes: each line of FILE is pass_id,colour "
        "(green, yellow, red, revoked; remove takes a pass off the list). With --replace, FILE "
        "is the whole list.",
    )
    status.add_argument("file", type=Path, help="CSV or JSON")
    status.add_argument("--replace", action="store_true", help="FILE is the whole list")
    common(status)
    trust = kinds.add_parser(
        "trust",
        help="EU DCC signer certificates (EU trust list JSON, or PEM)",
        description="Replace the signer certificates the gateways trust with those in FILEs.",
    )
    trust.add_argument("files", type=Path, nargs="+", help="EU trust list (JSON) or PEM files")
    common(trust)
    sets = kinds.add_parser(
        "value-sets",
        help="EU DCC value sets (the EU's JSON files)",
        description="Replace value sets, list by list, with the EU JSON files in PATHs.",
    )
    sets.add_argument("paths", type=Path, nargs="+", help="value-set files or folders of them")
    common(sets)
    pol = kinds.add_parser(
        "policy",
        help="an admission policy (JSON or TOML)",
        description="Send an admission policy; it is checked here as the gateways check it.",
    )
    pol.add_argument("file", type=Path, help="the policy (JSON or TOML)")
    common(pol)
    notice = kinds.add_parser(
        "notice",
        help="a notice to the gate staff",
        description="A notice shows on the staff page as a banner until someone marks it read; "
        "staff can answer it in a line.",
    )
    notice.add_argument("--title", required=True, help="one line, at most 120 characters")
    notice.add_argument("--text", default="", help="more words, at most 2,000 characters")
    notice.add_argument(
        "--severity",
        choices=["info", "warning", "critical"],
        default="info",
        help="(default %(default)s)",
    )
    notice.add_argument(
        "--expires-in", type=float, metavar="HOURS", help="the notice ends after this long"
    )
    notice.add_argument("--no-replies", action="store_true", help="staff cannot answer it")
    common(notice)
    withdraw = kinds.add_parser(
        "withdraw-notice", help="take a notice back", description="Take a notice back."
    )
    withdraw.add_argument("notice_id", help="the notice's id (from publish notice or heard)")
    common(withdraw)

    heard = commands.add_parser(
        "heard",
        help="who has heard: publications and what each gateway holds",
        description="The latest publications with how many gateways hold each, and which do "
        "not (and why); or one publication in full, or every gateway's versions.",
    )
    heard.add_argument("--publication", type=int, metavar="ID", help="one publication in full")
    heard.add_argument("--gateways", action="store_true", help="what each gateway holds")
    heard.add_argument("--limit", type=int, default=20, help="publications (default %(default)s)")
    heard.add_argument("--json", action="store_true", help="print JSON")
    db_option(heard, "sqlite:///central-monitor.db")


def signing_options(parser: argparse.ArgumentParser, *, sender: bool = False) -> None:
    """``run`` and ``dashboard``: the key the dashboard's publish forms sign with; ``run``
    (``sender``) also whether it puts publications on the broker."""
    group = parser.add_argument_group("publishing from the dashboard")
    if sender:
        group.add_argument(
            "--no-send",
            action="store_true",
            help="do not put publications on the broker: with several monitors on one"
            " database, let exactly one of them send",
        )
    group.add_argument(
        "--signing-key",
        type=Path,
        metavar="PRIVATE_KEY",
        help="the centre's private key (PEM): officers and admins may then publish from the"
        " dashboard (without it they use 'central-monitor publish')",
    )
    group.add_argument("--signing-kid", help="the key's id as gateways know it (default: name)")


def settings_values(args: argparse.Namespace) -> dict[str, Any]:
    if not hasattr(args, "signing_key"):
        return {}
    values = {"signing_key_file": args.signing_key, "signing_kid": args.signing_kid}
    if getattr(args, "no_send", False):
        values["send_distribution"] = False
    return values


def run_publish(args: argparse.Namespace) -> int:
    from cloud_sync.distribution.kinds import Kind, Scope, ScopeError
    from cloud_sync.monitor.distribution import inputs
    from cloud_sync.monitor.distribution import publisher as p
    from cloud_sync.monitor.distribution.heard import Heard
    from cloud_sync.monitor.distribution.store import DistributionStore
    from cloud_sync.monitor.errors import MonitorError
    from cloud_sync.monitor.storage import open_storage

    try:
        scope = Scope.parse(args.scope)
        signer = p.Signer.from_file(args.key, args.kid)
        notice_id = ""
        whole = False
        if args.kind == "status-list":
            kind = Kind.STATUS_LIST
            changes, removed = inputs.status_changes(args.file, allow_remove=not args.replace)
            change, summary = p.status_changes(changes, removed, replace=args.replace)
            detail, whole = str(args.file), args.replace
        elif args.kind == "trust":
            kind = Kind.TRUST
            change, summary = p.certificates(inputs.certificates(args.files))
            detail = ", ".join(map(str, args.files))
        elif args.kind == "value-sets":
            kind = Kind.TRUST
            change, summary = p.value_sets(inputs.value_sets(args.paths))
            detail = ", ".join(map(str, args.paths))
        elif args.kind == "policy":
            kind = Kind.POLICY
            change, summary = p.policy(inputs.policy(args.file))
            detail = str(args.file)
        elif args.kind == "notice":
            kind = Kind.NOTICE
            now = time.time()
            expires = now + args.expires_in * 3600 if args.expires_in else None
            change, summary, notice_id = p.notice(
                title=args.title,
                text=args.text,
                severity=args.severity,
                now=now,
                expires_at=expires,
                replies=not args.no_replies,
            )
            detail = args.title
        else:
            kind = Kind.NOTICE
            change, summary = p.withdraw(args.notice_id, scope)
            detail = args.notice_id
    except (ScopeError, inputs.InputError, p.PublishError) as exc:
        print(f"central-monitor publish: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        storage = open_storage(args.db)
    except MonitorError as exc:
        print(f"central-monitor publish: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        store = DistributionStore(storage.backend)
        try:
            done = p.Publisher(store, signer).publish(
                kind,
                scope,
                change,
                by=args.by or p.current_user(),
                source="cli",
                detail=detail,
                summary=summary,
                whole=whole,
            )
        except p.NothingToPublishError as exc:
            print(f"central-monitor publish: {exc}", file=sys.stderr)
            return EXIT_NOT_ALL
        except p.PublishError as exc:
            print(f"central-monitor publish: {exc}", file=sys.stderr)
            return EXIT_USAGE
        pub = done.publication
        result: dict[str, Any] = {
            "publication": done.id,
            "kind": kind.value,
            "scope": str(scope),
            "version": pub.version,
            "mode": pub.mode.value,
            "summary": pub.summary,
        }
        if notice_id:
            result["notice_id"] = notice_id
        code = EXIT_OK
        if args.wait > 0:
            heard = _wait(Heard(storage.backend), done.id, args.wait)
            result["heard"] = heard
            everyone = heard is not None and heard["audience"] > 0 and heard["not_heard"] == 0
            code = EXIT_OK if everyone else EXIT_NOT_ALL
        _show(result, args.json)
        return code
    except MonitorError as exc:
        print(f"central-monitor publish: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        storage.close()


def _wait(heard: Any, publication_id: int, limit: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + limit
    while True:
        found: dict[str, Any] | None = heard.publication(publication_id)
        if found is not None and found["audience"] > 0 and found["not_heard"] == 0:
            return found
        if time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def _show(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        return
    print(
        PUBLISHED.format(
            kind=result["kind"],
            scope=result["scope"],
            version=result["version"],
            id=result["publication"],
            summary=result["summary"],
        )
    )
    if "notice_id" in result:
        print(NOTICE_ID.format(id=result["notice_id"]))
    heard = result.get("heard")
    if heard is not None and not heard["audience"]:
        print(NO_AUDIENCE)
    elif heard is not None:
        print(HEARD.format(heard=heard["heard"], audience=heard["audience"]))
        for w in heard["waiting"]:
            name = f" ({w['name']})" if w["name"] else ""
            print(WAITING_FOR.format(gateway=w["gateway"], name=name, why=w["why"]))


def run_heard(args: argparse.Namespace) -> int:
    from cloud_sync.monitor.distribution.heard import Heard
    from cloud_sync.monitor.errors import MonitorError
    from cloud_sync.monitor.storage import open_storage

    try:
        storage = open_storage(args.db)
    except MonitorError as exc:
        print(f"central-monitor heard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        heard = Heard(storage.backend)
        if args.publication is not None:
            found = heard.publication(args.publication)
            if found is None:
                print(f"central-monitor heard: no publication #{args.publication}", file=sys.stderr)
                return EXIT_NOT_ALL
            if args.json:
                print(json.dumps(found, indent=2, ensure_ascii=False, default=str))
            else:
                _show_publication(found)
            return EXIT_OK
        rows = heard.gateways() if args.gateways else heard.publications(args.limit)
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        elif args.gateways:
            _show_gateways(rows)
        else:
            _show_publications(rows)
        return EXIT_OK
    except MonitorError as exc:
        print(f"central-monitor heard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        storage.close()


def _when(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _show_publications(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("Nothing published yet.")
        return
    table = [HEARD_HEADINGS] + [
        (
            str(r["id"]),
            r["kind"],
            r["scope"],
            str(r["version"]),
            _when(r["published_at"]),
            r["published_by"],
            f"{r['heard']}/{r['audience']}",
            r["summary"][:60],
        )
        for r in rows
    ]
    print(_table(table))


def _show_publication(r: dict[str, Any]) -> None:
    print(f"#{r['id']} {r['kind']} for {r['scope']}, version {r['version']}")
    print(f"published {_when(r['published_at'])} by {r['published_by']} ({r['source']})")
    print(r["summary"])
    print(HEARD.format(heard=r["heard"], audience=r["audience"]))
    for w in r["waiting"]:
        name = f" ({w['name']})" if w["name"] else ""
        print(WAITING_FOR.format(gateway=w["gateway"], name=name, why=w["why"]))


def _show_gateways(rows: list[dict[str, Any]]) -> None:
    for g in rows:
        state = "online" if g["online"] else "offline"
        print(f"{g['gateway']} ({g['community'] or 'no community'}, {state})")
        for kind, info in g["kinds"].items():
            for s in info["streams"]:
                lag = "  LAGS" if s["lags"] else ""
                refused = f"  refused: {s['refused_reason']}" if s["refused_reason"] else ""
                print(f"  {kind} {s['scope']}: holds {s['held']} of {s['current']}{lag}{refused}")
