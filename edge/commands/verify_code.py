"""``edge-gateway verify-code``: verify one health code offline, as the gateway would.

Every format the gateway verifies is verified here: the community pass (``CP1:``, with the
community's public keys and its status list) and the EU Digital COVID Certificate (``HC1:``,
with a trust list of signer certificates). The code's format is found from its text and named
in the verdict. With ``--config``, the keys and lists are the gateway configuration's, so the
answer is the one that gateway gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.verify.base import Verdict, Verifier, VerifierChain
from edge.verify.community_pass import token as community_pass_token
from edge.verify.community_pass.errors import CommunityPassError

# What a person reads, kept together.
HELP = "verify a health code offline (community pass or EU DCC); JSON verdict, exit 0 valid"
DESCRIPTION = (
    "Verify one health code offline and print the verdict as JSON: the format found, valid or"
    " not, the failed step and the reason in words, the colour, expiry and issuer. Both"
    " formats the gateway accepts are verified: a community pass (CP1:...) against the"
    " community's public keys (--pass-key) and its status list (--status-list), and an EU"
    " Digital COVID Certificate (HC1:...) against a trust list of signer certificates"
    " (--trust; with --value-sets, coded fields must be in the EU value sets). With --config,"
    " the keys and lists are those of a gateway configuration. Nothing personal (names, date"
    " of birth, resident or certificate id) is printed without --show-personal."
    " Exit status: 0 valid, 1 not valid, 2 usage error."
)
FORMAT_WORDS = {
    "community-pass": "community pass (CP1:)",
    "eu-dcc": "EU Digital COVID Certificate (HC1:)",
}
UNKNOWN_FORMAT = "unknown (neither CP1: nor HC1:)"
NEED_PASS_KEY = (
    "this is a community pass (CP1:); to verify it, give the community's public key with"  # noqa: S105
    " --pass-key FILE (and its status list with --status-list FILE), or a gateway"
    " configuration with --config FILE"
)
NEED_TRUST = (
    "this is an EU Digital COVID Certificate (HC1:); to verify it, give a trust list of"
    " signer certificates with --trust FILE, or a gateway configuration with --config FILE"
)
NOT_CONFIGURED = (
    "note: the gateway of {config} does not verify this format ({words}): it answers"
    " 'unknown code format'"
)
BOTH_GIVEN = "give --config or the keys and lists (--pass-key, --status-list, --trust), not both"
TEXT_AND_IMAGE = "give TEXT or --image, not both"
NO_IMAGE = "{path}: cannot read the image"
NO_TEXT = "give the code's TEXT, - for stdin, or --image FILE"
BAD_TIME = "--at {value!r} is not an ISO 8601 time"


@dataclass(frozen=True, slots=True)
class CodeFormat:
    code_type: str  # as in verdicts: "community-pass", "eu-dcc"
    prefix: str

    @property
    def words(self) -> str:
        return FORMAT_WORDS[self.code_type]


def formats() -> tuple[CodeFormat, ...]:
    from edge.verify.dcc.chain import PREFIX as DCC_PREFIX  # CBOR: only when verifying

    return (
        CodeFormat("community-pass", community_pass_token.PREFIX),
        CodeFormat("eu-dcc", DCC_PREFIX),
    )


def detect(text: str) -> CodeFormat | None:
    """The format ``text`` is in, by its prefix, as the gateway's verifiers claim codes."""
    return next((f for f in formats() if text.startswith(f.prefix)), None)


class UsageError(Exception):
    """Arguments that cannot verify this code; the message says what to give."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("verify-code", help=HELP, description=DESCRIPTION)
    p.add_argument("text", nargs="?", help="the code's text (CP1:... or HC1:...), or - for stdin")
    p.add_argument("--image", type=Path, help="read the code from a QR image instead")
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="verify with the keys and lists of this gateway configuration",
    )
    group = p.add_argument_group("community pass (CP1:)")
    group.add_argument(
        "--pass-key",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="the community's public key: a .pub.pem file (its name is the key id), a folder"
        " of them, or a JWKS .json file (repeatable)",
    )
    group.add_argument(
        "--status-list",
        type=Path,
        metavar="FILE",
        help="the status list (signed or not); without it, the colour the pass was issued with"
        " stands",
    )
    group = p.add_argument_group("EU Digital COVID Certificate (HC1:)")
    group.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        help="trust list: JSON list of {kid, country, certificate} or PEM file (repeatable)",
    )
    group.add_argument("--schema", type=Path, help="DCC JSON schema (default: the packaged copy)")
    group.add_argument(
        "--value-sets",
        type=Path,
        metavar="DIR",
        help="directory of the EU value-set JSON files (default: coded fields not checked)",
    )
    p.add_argument("--at", help="verify as of this ISO 8601 time (default: now, UTC)")
    p.add_argument(
        "--show-personal",
        action="store_true",
        help="also print the resident id (a pass), or name, date of birth and certificate id"
        " (an EU certificate)",
    )
    p.set_defaults(func=run_verify_code)


def run_verify_code(args: argparse.Namespace) -> int:
    at = _parse_time(args.at) if args.at else datetime.now(UTC)
    try:
        if at is None:
            raise UsageError(BAD_TIME.format(value=args.at))
        text = _read_text(args)
        found = detect(text)
        verifiers = _verifiers(args, found)
    except UsageError as exc:
        print(f"verify-code: {exc}", file=sys.stderr)
        return 2
    verifier = verifiers.get(found.code_type) if found else None
    if found is not None and verifier is None and args.config is not None:
        print(NOT_CONFIGURED.format(config=args.config, words=found.words), file=sys.stderr)
    # An unknown format gets the gateway's own answer for it.
    verdict = (verifier or VerifierChain([])).verify(text, at=at)
    out = verdict_json(verdict, found)
    if args.show_personal:
        out["personal"] = _personal(verdict, verifier, text)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0 if verdict.valid else 1


def verdict_json(verdict: Verdict, found: CodeFormat | None) -> dict[str, Any]:
    """The verdict without personal data (``subject`` is left out)."""
    out: dict[str, Any] = {
        "format": found.words if found else UNKNOWN_FORMAT,
        "valid": verdict.valid,
        "code_type": verdict.code_type,
        "status": verdict.status.value if verdict.status else None,
        "failed_step": verdict.failed_step,
        "reason": verdict.reason,
        "expires_at": verdict.expires_at.isoformat() if verdict.expires_at else None,
    }
    if verdict.code_type == "eu-dcc":
        out["type"] = verdict.details.get("type")
        out["issuer_country"] = verdict.issuer
    elif verdict.code_type == "community-pass":
        out["issuer"] = verdict.issuer
        out["key_id"] = verdict.details.get("kid")
        # "pass": the colour it was issued with; "status-list": the list changed it
        out["colour_from"] = verdict.details.get("status_source")
    return out


def _verifiers(args: argparse.Namespace, found: CodeFormat | None) -> dict[str, Verifier]:
    explicit = bool(args.pass_key or args.status_list or args.trust)
    if args.config is not None:
        if explicit:
            raise UsageError(BOTH_GIVEN)
        return _from_config(args.config)
    if found is None:
        return {}
    if found.code_type == "community-pass":
        if not args.pass_key:
            raise UsageError(NEED_PASS_KEY)
        return {found.code_type: _community_pass(args.pass_key, args.status_list)}
    if not args.trust:
        raise UsageError(NEED_TRUST)
    return {found.code_type: _dcc(args)}


def _from_config(path: Path) -> dict[str, Verifier]:
    from edge.config import ConfigError, load_config
    from edge.verify.community_pass import build_verifier as build_community_pass
    from edge.verify.dcc.errors import DccError
    from edge.verify.dcc.settings import build_verifier as build_dcc

    try:
        section = load_config(path).verifiers
        verifiers: dict[str, Verifier] = {}
        if section.community_pass is not None:
            verifiers["community-pass"] = build_community_pass(section.community_pass)
        if section.eu_dcc is not None:
            verifiers["eu-dcc"] = build_dcc(section.eu_dcc)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except (CommunityPassError, DccError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    return verifiers


def _community_pass(keys: list[Path], status_list: Path | None) -> Verifier:
    from edge.verify.community_pass import CommunityPassVerifier, KeyRing, StatusList

    try:
        keyring = KeyRing.from_paths(keys)
        # A signed list is checked with the same keys, as a gateway with
        # status_list_signed = true does; a plain one is taken as it is.
        signed = status_list is not None and _is_signed(status_list)
        statuses = StatusList(status_list, keyring=keyring if signed else None)
    except CommunityPassError as exc:
        raise UsageError(str(exc)) from None
    return CommunityPassVerifier(keyring, statuses)


def _is_signed(path: Path) -> bool:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return False  # StatusList reads it again and says what is wrong
    return isinstance(document, dict) and "signed" in document


def _dcc(args: argparse.Namespace) -> Verifier:
    from edge.verify.dcc.errors import DccError
    from edge.verify.dcc.schema import DccSchema
    from edge.verify.dcc.trust import TrustList
    from edge.verify.dcc.valuesets import load_value_sets
    from edge.verify.dcc.verifier import DccVerifier

    try:
        return DccVerifier(
            TrustList(args.trust),
            DccSchema(args.schema),
            value_sets=load_value_sets(args.value_sets) if args.value_sets else None,
        )
    except DccError as exc:
        raise UsageError(str(exc)) from None


def _personal(verdict: Verdict, verifier: Verifier | None, text: str) -> dict[str, str]:
    if verdict.code_type == "community-pass":
        return {"resident_id": verdict.subject} if verdict.subject else {}
    from edge.verify.dcc.errors import DecodeError
    from edge.verify.dcc.verifier import DccVerifier, personal_fields

    if not isinstance(verifier, DccVerifier):
        return {}
    try:
        _, claims = verifier.decode(text)
    except DecodeError:
        return {}
    return personal_fields(claims.dcc)


def _read_text(args: argparse.Namespace) -> str:
    if args.image is not None:
        if args.text is not None:
            raise UsageError(TEXT_AND_IMAGE)
        texts = _decode_image_file(args.image)
        if texts is None:
            raise UsageError(NO_IMAGE.format(path=args.image))
        # An image with no code is a code that cannot be read: a verdict, not a usage error.
        return texts[0] if texts else ""
    if args.text is None:
        raise UsageError(NO_TEXT)
    if args.text == "-":
        return sys.stdin.read().strip()
    return str(args.text).strip()


def _decode_image_file(path: Path) -> list[str] | None:
    # The camera's decoder: without the 'camera' extra, a MissingExtraError saying so.
    from firmware_interfaces.camera.command import read_image
    from firmware_interfaces.camera.decoder import decode_image

    image, _ = read_image(path)
    if image is None:
        return None
    texts: list[str] = decode_image(image, budget_ms=1000.0)
    return texts


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
