"""The issuing side of community passes: ``issue-pass``, ``keygen``, ``sign-status-list``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

from edge.verify.community_pass.errors import CommunityPassError
from edge.verify.community_pass.issue import (
    QR_ERROR_LEVEL,
    issue_pass,
    new_pass_id,
    sign_status_list,
    write_qr_png,
)
from edge.verify.community_pass.keys import keygen, load_private_key
from edge.verify.community_pass.status_csv import StatusCsvError, parse_status_csv
from edge.verify.community_pass.status_list import PassState

# What a person reads, kept together.
ISSUED_ID_NOTE = (
    "pass id {pass_id}: name it in the status list (sign-status-list) to change this pass's"
    " colour or revoke it"
)
STATUS_LIST_HELP = "build and sign a status list (pass id -> colour) from a CSV file"
STATUS_LIST_DESCRIPTION = (
    "Read a CSV of pass ids and states (pass_id,state; the header row is optional; states are"
    " green, yellow, red or revoked), sign it with the community's private key and write the"
    " status-list file the gateways read (verifiers.community_pass.status_list). A pass on the"
    " list takes the list's colour instead of the one it was issued with; a revoked pass is"
    " refused. The file is replaced in one step, so a gateway watching it never reads half a"
    " list; gateways pick up the new list within seconds, without a restart. An empty CSV"
    " gives an empty list. Every bad line is reported at once."
)
SIGNED = "{out}: {count} pass(es) ({breakdown}), signed with key {kid}"
NOTHING = "none"
BAD_LINES = "{csv}: {count} line(s) to fix; nothing was written:"
CSV_UNREADABLE = "{path}: cannot read: {reason}"
NOT_UTF8 = "{path}: not UTF-8 text (save the spreadsheet as CSV UTF-8)"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_issue_pass(subparsers)
    _register_keygen(subparsers)
    _register_sign_status_list(subparsers)


def _register_issue_pass(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "issue-pass",
        help="issue a signed community pass (text, and a QR PNG with --png)",
        description=(
            "Sign a community pass for one resident and print its text (CP1:<compact JWS>),"
            " the content of the QR code that the checkpoint scans. Run this where the"
            " community's private key is kept, not on the gateway. The gateway needs only the"
            " public key (see 'edge-gateway keygen')."
        ),
    )
    p.add_argument("--key", type=Path, required=True, help="private key PEM file (from 'keygen')")
    p.add_argument("--kid", required=True, help="key id the gateways know the public key by")
    p.add_argument(
        "--resident",
        required=True,
        help="pseudonymous resident id (letters, digits, . _ : @ -); never a name",
    )
    p.add_argument(
        "--status", required=True, choices=["green", "yellow", "red"], help="the code's colour"
    )
    p.add_argument(
        "--days", type=float, default=30.0, help="days until the pass expires (default 30)"
    )
    p.add_argument("--issuer", help="issuer id printed on verdicts (default: the kid)")
    p.add_argument(
        "--png",
        type=Path,
        help=f"also write the QR code as a PNG here (error correction {QR_ERROR_LEVEL.upper()})",
    )
    p.add_argument("--out-text", type=Path, help="also write the pass text to this file")
    p.set_defaults(func=run_issue_pass)


def _register_keygen(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "keygen",
        help="make a pass-signing key pair",
        description=(
            "Generate a community-pass signing key pair in DIR: KID.key.pem (private, mode"
            " 0600; keep it off the gateway) and KID.pub.pem (public; list it under"
            " [verifiers.community_pass] public_keys in the gateway configuration)."
            " Existing files are never overwritten."
        ),
    )
    p.add_argument(
        "--alg", choices=["ES256", "Ed25519"], default="Ed25519", help="key type (default Ed25519)"
    )
    p.add_argument("--kid", required=True, help="key id, used in file names and in every pass")
    p.add_argument("--out-dir", type=Path, required=True, help="directory for the two PEM files")
    p.set_defaults(func=run_keygen)


def _register_sign_status_list(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    p = subparsers.add_parser(
        "sign-status-list", help=STATUS_LIST_HELP, description=STATUS_LIST_DESCRIPTION
    )
    p.add_argument("csv", metavar="CSV", help="the CSV file, or - to read standard input")
    p.add_argument("--key", type=Path, required=True, help="private key PEM file (from 'keygen')")
    p.add_argument("--kid", required=True, help="key id the gateways know the public key by")
    p.add_argument("--out", type=Path, required=True, help="the status-list file to write")
    p.add_argument("--issuer", help="issuer id written into the list (default: the kid)")
    p.set_defaults(func=run_sign_status_list)


def run_issue_pass(args: argparse.Namespace) -> int:
    if not 0 < args.days <= 3660:
        print("issue-pass: --days must be more than 0 and at most 3660", file=sys.stderr)
        return 2
    pass_id = new_pass_id()
    try:
        text = issue_pass(
            load_private_key(args.key),
            kid=args.kid,
            resident_id=args.resident,
            status=args.status,
            valid_for=timedelta(days=args.days),
            issuer=args.issuer or args.kid,
            pass_id=pass_id,
        )
        if args.png is not None:
            write_qr_png(text, args.png)
        if args.out_text is not None:
            args.out_text.write_text(text + "\n")
    except CommunityPassError as exc:
        print(f"issue-pass: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"issue-pass: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    print(text)
    # On stderr: standard output stays the pass text alone, for scripts.
    print(ISSUED_ID_NOTE.format(pass_id=pass_id), file=sys.stderr)
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    try:
        private_path, public_path = keygen(args.alg, args.kid, args.out_dir)
    except CommunityPassError as exc:
        print(f"keygen: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"keygen: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"private key: {private_path} (keep secret, off the gateway)")
    print(f"public key:  {public_path} (copy to each gateway)")
    return 0


def _read_csv(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommunityPassError(
            CSV_UNREADABLE.format(path=path, reason=exc.strerror or exc)
        ) from None
    try:
        return data.decode("utf-8-sig")  # spreadsheets often start CSV UTF-8 with a BOM
    except UnicodeDecodeError:
        raise CommunityPassError(NOT_UTF8.format(path=path)) from None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step: a temporary file beside it, renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).chmod(0o644)  # pass ids and colours only; every gateway account reads it
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_sign_status_list(args: argparse.Namespace) -> int:
    try:
        entries = parse_status_csv(_read_csv(args.csv))
        document = sign_status_list(
            load_private_key(args.key),
            kid=args.kid,
            entries=entries,
            issuer=args.issuer or args.kid,
        )
        write_atomically(args.out, document + b"\n")
    except StatusCsvError as exc:
        bad_lines = BAD_LINES.format(csv=args.csv, count=len(exc.problems))
        print(f"sign-status-list: {bad_lines}", file=sys.stderr)
        print(textwrap.indent(str(exc), "  "), file=sys.stderr)
        return 1
    except CommunityPassError as exc:
        print(f"sign-status-list: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"sign-status-list: {exc.filename or args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    counts = Counter(entries.values())
    breakdown = ", ".join(
        f"{counts[state.value]} {state.value}" for state in PassState if counts[state.value]
    )
    print(
        SIGNED.format(
            out=args.out, count=len(entries), breakdown=breakdown or NOTHING, kid=args.kid
        )
    )
    return 0
