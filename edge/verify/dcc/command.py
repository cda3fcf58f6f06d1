"""``edge-gateway verify-code``: verify one health code offline and print the verdict as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.verify.base import Verdict
from edge.verify.dcc.errors import DccError, DecodeError
from edge.verify.dcc.schema import DccSchema
from edge.verify.dcc.trust import TrustList
from edge.verify.dcc.valuesets import load_value_sets
from edge.verify.dcc.verifier import DccVerifier, personal_fields


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "verify-code",
        help="verify a health code offline; prints a JSON verdict, exit 0 valid, 1 not",
        description=(
            "Verify one EU Digital COVID Certificate (HC1:...) against a trust list of signer"
            " certificates, offline, and print the verdict as JSON: valid, failed step, reason,"
            " certificate type, expiry and issuer country. Names, date of birth and the"
            " certificate id are printed only with --show-personal. With --value-sets, coded"
            " fields (vaccine, test, disease, country) must be in the EU value sets."
            " Exit status: 0 valid, 1 not valid, 2 usage error."
        ),
    )
    p.add_argument("text", nargs="?", help="the code's text (HC1:...), or - to read stdin")
    p.add_argument("--image", type=Path, help="read the code from a QR image instead")
    p.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        help="trust list: JSON list of {kid, country, certificate} or PEM file (repeatable)",
    )
    p.add_argument("--schema", type=Path, help="DCC JSON schema (default: the packaged copy)")
    p.add_argument(
        "--value-sets",
        type=Path,
        metavar="DIR",
        help="directory of the EU value-set JSON files (default: coded fields not checked)",
    )
    p.add_argument("--at", help="verify as of this ISO 8601 time (default: now, UTC)")
    p.add_argument(
        "--show-personal",
        action="store_true",
        help="also print name, date of birth and certificate id",
    )
    p.set_defaults(func=run_verify_code)


def run_verify_code(args: argparse.Namespace) -> int:
    at = _parse_time(args.at) if args.at else datetime.now(UTC)
    if at is None:
        print(f"verify-code: --at {args.at!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    text = _read_text(args)
    if text is None:
        return 2
    try:
        verifier = DccVerifier(
            TrustList(args.trust),
            DccSchema(args.schema),
            value_sets=load_value_sets(args.value_sets) if args.value_sets else None,
        )
    except DccError as exc:
        print(f"verify-code: {exc}", file=sys.stderr)
        return 2
    verdict = verifier.verify(text, at=at)
    out = verdict_json(verdict)
    if args.show_personal:
        out["personal"] = _personal(verifier, text)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0 if verdict.valid else 1


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """The verdict without personal data (``subject`` is left out)."""
    return {
        "valid": verdict.valid,
        "code_type": verdict.code_type,
        "status": verdict.status.value if verdict.status else None,
        "failed_step": verdict.failed_step,
        "reason": verdict.reason,
        "type": verdict.details.get("type"),
        "expires_at": verdict.expires_at.isoformat() if verdict.expires_at else None,
        "issuer_country": verdict.issuer,
    }


def _personal(verifier: DccVerifier, text: str) -> dict[str, str]:
    try:
        _, claims = verifier.decode(text)
    except DecodeError:
        return {}
    return personal_fields(claims.dcc)


def _read_text(args: argparse.Namespace) -> str | None:
    if args.image is not None:
        if args.text is not None:
            print("verify-code: give TEXT or --image, not both", file=sys.stderr)
            return None
        texts = _decode_image_file(args.image)
        if texts is None:
            print(f"verify-code: {args.image}: cannot read the image", file=sys.stderr)
            return None
        # An image with no code is a code that cannot be read: a verdict, not a usage error.
        return texts[0] if texts else ""
    if args.text is None:
        print("verify-code: give the code's TEXT, - for stdin, or --image FILE", file=sys.stderr)
        return None
    if args.text == "-":
        return sys.stdin.read().strip()
    return str(args.text).strip()


def _decode_image_file(path: Path) -> list[str] | None:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None
    try:
        from firmware_interfaces.camera.decoder import decode_image
    except ImportError:
        import zxingcpp

        return [r.text for r in zxingcpp.read_barcodes(image)]
    texts: list[str] = decode_image(image, budget_ms=1000.0)
    return texts


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
