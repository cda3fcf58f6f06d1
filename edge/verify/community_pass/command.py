"""``edge-gateway issue-pass`` and ``edge-gateway keygen``: the issuing side of community passes."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from edge.verify.community_pass.errors import CommunityPassError
from edge.verify.community_pass.issue import QR_ERROR_LEVEL, issue_pass, write_qr_png
from edge.verify.community_pass.keys import keygen, load_private_key


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_issue_pass(subparsers)
    _register_keygen(subparsers)


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


def run_issue_pass(args: argparse.Namespace) -> int:
    if not 0 < args.days <= 3660:
        print("issue-pass: --days must be more than 0 and at most 3660", file=sys.stderr)
        return 2
    try:
        text = issue_pass(
            load_private_key(args.key),
            kid=args.kid,
            resident_id=args.resident,
            status=args.status,
            valid_for=timedelta(days=args.days),
            issuer=args.issuer or args.kid,
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
