"""``edge-gateway households ...`` and ``edge-gateway report``: the registry from the shell.

They open the gateway's database (given by its configuration) beside a running gateway; the
gateway sees a changed registry within seconds. Also runnable as ``python -m
edge.commands.households``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.community.errors import CommunityError, ImportRefusedError
from edge.community.passes import Selection
from edge.community.printing import Gettext
from edge.community.report import to_csv
from edge.community.schema import MIGRATIONS
from edge.community.service import CommunityService
from edge.community.settings import CommunitySettings
from edge.core.bus import Bus
from edge.core.store import Store

# -- what a person reads (one place, to be translated) ------------------------------------------
IMPORTED = (
    "imported {rows} row(s): {households_added} household(s) added, {members_added} member(s)"
    " added, {members_updated} updated"
)
REFUSED = "nothing imported: {n} problem(s)"
ISSUED = "issued {count} pass(es) in batch {batch_id}"
WROTE = "wrote {path}"
NO_LANGUAGE = "no catalogue for the language {language!r} (there are: {known})"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "households",
        help="the household registry: import a spreadsheet, issue passes, print pass cards",
        description="Manage the gateway's household registry from the shell.",
    )
    sub = p.add_subparsers(dest="households_command", metavar="ACTION", required=True)
    imp = sub.add_parser(
        "import",
        help="import households and members from a CSV or XLSX file",
        description=(
            "One row per member: building, unit, room, name, phone, id_last4, has_phone"
            " (headers in English or Chinese: 楼栋, 单元, 房号, 姓名, 电话, 身份证后四位)."
            " A file with a bad row imports nothing; every bad row is listed by line."
        ),
    )
    imp.add_argument("file", type=Path)
    _config(imp)
    imp.set_defaults(func=run_import)
    lst = sub.add_parser("list", help="list households (search by room or name)")
    lst.add_argument("--search", default="")
    lst.add_argument("--limit", type=int, default=100)
    _config(lst)
    lst.set_defaults(func=run_list)
    iss = sub.add_parser(
        "passes",
        help="issue community passes for members in one batch, and print their cards (PDF)",
        description=(
            "Sign a pass for each selected member. With --key and --kid, the key given here"
            " signs (keep it off the gateway); otherwise community.pass_key_file does."
        ),
    )
    _config(iss)
    iss.add_argument("--key", type=Path, help="private key PEM (from 'edge-gateway keygen')")
    iss.add_argument("--kid", help="its key id")
    iss.add_argument("--days", type=float, help="validity in days (default community.pass_days)")
    iss.add_argument("--without-phone", action="store_true", help="only members without a phone")
    iss.add_argument("--building", help="only this building")
    iss.add_argument("--member", type=int, action="append", default=[], help="only these ids")
    iss.add_argument("--pdf", type=Path, help="write the batch's card sheet (PDF) here")
    _language(iss)
    iss.set_defaults(func=run_passes)
    sheet = sub.add_parser("sheet", help="print a batch's pass cards again (PDF)")
    _config(sheet)
    sheet.add_argument("--batch", type=int, required=True)
    sheet.add_argument("--pdf", type=Path, required=True)
    _language(sheet)
    sheet.set_defaults(func=run_sheet)

    rep = subparsers.add_parser(
        "report",
        help="the daily report (entries, exits, fevers, refusals, visitors, staff on duty)",
        description="Print a day's report as CSV, or write it as CSV or PDF.",
    )
    _config(rep)
    rep.add_argument("--day", type=dt.date.fromisoformat, help="YYYY-MM-DD (default today)")
    rep.add_argument("--csv", type=Path, help="write the CSV here (default: standard output)")
    rep.add_argument("--pdf", type=Path, help="write a printable PDF here")
    _language(rep)
    rep.set_defaults(func=run_report)


def _config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, required=True, help="the gateway's configuration file")


def _language(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--language",
        help="the PDF's language, e.g. zh-CN or en (default: the pages' language, web.language,"
        " or Simplified Chinese where the pages follow each browser)",
    )


def _gettext(language: str | None, pinned: str) -> Gettext:
    """The PDF's words: ``--language``, else what the pages are served in when no browser says
    (the configuration's pinned language, else Simplified Chinese), chosen as the pages do."""
    from edge.i18n.catalogue import Catalogues
    from edge.i18n.negotiate import best, choose

    catalogues = Catalogues.load()
    tag = best([language], catalogues.languages) if language else None
    if language and tag is None:
        known = ", ".join(catalogues.languages)
        raise CommunityError(NO_LANGUAGE.format(language=language, known=known))
    return catalogues[tag or choose(catalogues.languages, pinned=pinned)].gettext


def _with_service(
    args: argparse.Namespace, work: Callable[[CommunityService], Awaitable[int]]
) -> int:
    from edge.config import ConfigError, load_config
    from edge.config.loader import load_policy_file

    try:
        config = load_config(args.config)
        policy = load_policy_file(config.checkpoint.policy_file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = config.community or CommunitySettings()
    if "language" in vars(args):  # a command that prints
        try:
            args.gettext = _gettext(args.language, config.web.language)
        except CommunityError as exc:
            print(f"edge-gateway: {exc}", file=sys.stderr)
            return 2
    store = Store(
        config.db_path, [CHECKPOINT_MIGRATIONS, MIGRATIONS], synchronous=config.storage.synchronous
    )

    async def main() -> int:
        service = CommunityService(
            settings,
            store,
            Bus(),
            lanes={lane.id: lane.direction for lane in config.checkpoint.lanes},
            data_dir=config.gateway.data_dir,
            gateway_id=config.gateway.id,
            policy=lambda: policy,
        )
        return await work(service)

    with store:
        try:
            return asyncio.run(main())
        except ImportRefusedError as exc:
            print(REFUSED.format(n=len(exc.problems)), file=sys.stderr)
            for problem in exc.problems:
                print(f"{args.file}: {problem}", file=sys.stderr)
            return 1
        except CommunityError as exc:
            print(f"edge-gateway: {exc}", file=sys.stderr)
            return 1


def run_import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"{args.file}: {exc.strerror}", file=sys.stderr)
        return 1

    async def work(service: CommunityService) -> int:
        result = await service.import_file(args.file.name, data)
        print(IMPORTED.format(**dataclasses.asdict(result)))
        return 0

    return _with_service(args, work)


def run_list(args: argparse.Namespace) -> int:
    async def work(service: CommunityService) -> int:
        found = await service.households(args.search, args.limit)
        for h in found["households"]:
            print(f"{h['id']}\t{h['label']}\t{h['members']}")
        print(f"{len(found['households'])} of {found['total']}", file=sys.stderr)
        return 0

    return _with_service(args, work)


def run_passes(args: argparse.Namespace) -> int:
    key = None
    if args.key is not None:
        from edge.verify.community_pass import CommunityPassError, load_private_key

        try:
            key = load_private_key(args.key)
        except CommunityPassError as exc:
            print(f"edge-gateway: {exc}", file=sys.stderr)
            return 1

    async def work(service: CommunityService) -> int:
        which = Selection(tuple(args.member), args.without_phone, args.building)
        batch = await service.issue_passes(which, user="cli", key=key, kid=args.kid, days=args.days)
        print(ISSUED.format(**batch))
        if args.pdf is not None:
            sheet = await service.pass_sheet(batch_id=batch["batch_id"], gettext=args.gettext)
            args.pdf.write_bytes(sheet)
            print(WROTE.format(path=args.pdf))
        return 0

    return _with_service(args, work)


def run_sheet(args: argparse.Namespace) -> int:
    async def work(service: CommunityService) -> int:
        args.pdf.write_bytes(await service.pass_sheet(batch_id=args.batch, gettext=args.gettext))
        print(WROTE.format(path=args.pdf))
        return 0

    return _with_service(args, work)


def run_report(args: argparse.Namespace) -> int:
    async def work(service: CommunityService) -> int:
        day = args.day or dt.date.today()
        if args.pdf is not None:
            args.pdf.write_bytes(await service.report_pdf(day, args.gettext))
            print(WROTE.format(path=args.pdf))
        text = to_csv(await service.report(day))
        if args.csv is not None:
            args.csv.write_text(text, encoding="utf-8")
            print(WROTE.format(path=args.csv))
        elif args.pdf is None:
            sys.stdout.write(text)
        return 0

    return _with_service(args, work)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge.commands.households")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
