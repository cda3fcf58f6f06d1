"""The dgc-testdata cases and what each EXPECTED* flag means, checked with this package's steps.

Flag meanings are those of ``shared/conformance/README.md``; two flags it does not list are read
as upstream's README describes them: EXPECTEDVALIDOBJECT (the CBOR payload is a CWT with an
hcert -260 -> 1 map) and EXPECTEDENCODE (issuing side: not checked by a verifier, reported as
skipped). EXPECTEDSCHEMAVALIDATION is read as "the payload is a valid DCC": the schema and the EU
value sets it names (its ``valueset-uri`` annotations), checked against the snapshot in
``shared/conformance/dcc-valuesets``. The data means it so: PL 7, 8 and 9 "should not verify
schema" because of a device, country or maker code outside the lists.

Data quirks handled here: the typo key EXPTECTEDEXPIRED (read as EXPECTEDEXPIRATIONCHECK, true =
the check passes), a boolean EXPECTEDRESULTS nested in EXPECTEDRESULTS (ignored),
validationClockInstant beside VALIDATIONCLOCK, clocks without a time zone (read as UTC), LV's
``_2DCODE``, IE's ``Raw`` folder and PL/PT's schema-version folders (all found by searching
every folder for ``*.json``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edge.verify.dcc.base45 import b45decode
from edge.verify.dcc.chain import (
    CLAIM_HCERT,
    inflate,
    loads_cbor,
    parse_claims,
    parse_cose,
    to_json,
    unprefix,
)
from edge.verify.dcc.errors import DecodeError, TrustListError
from edge.verify.dcc.schema import DccSchema
from edge.verify.dcc.signature import certificate_types, signature_ok
from edge.verify.dcc.trust import Dsc
from edge.verify.dcc.valuesets import ValueSets, load_value_sets
from edge.verify.dcc.verifier import check_expiry

REPO = Path(__file__).parents[2]
SHARED = Path(os.environ.get("EDGE_SHARED_DIR", REPO / ".." / "shared"))
TESTDATA = SHARED / "conformance" / "dcc-testdata"
SCHEMA_PATH = SHARED / "conformance" / "dcc-schema" / "DCC.combined-schema.json"
VALUE_SETS_DIR = SHARED / "conformance" / "dcc-valuesets"
KNOWN_WRONG = Path(__file__).with_name("known_wrong_cases.csv")

SKIPPED_FLAGS = {"EXPECTEDENCODE": "issuing side, not a verifier's step"}


def case_files() -> list[Path]:
    return sorted(TESTDATA.rglob("*.json")) if TESTDATA.is_dir() else []


def case_id(path: Path) -> str:
    return path.relative_to(TESTDATA).as_posix()


@dataclass(frozen=True)
class Case:
    id: str
    data: dict[str, Any]

    @property
    def expected(self) -> dict[str, bool]:
        raw = self.data.get("EXPECTEDRESULTS", {})
        flags = {k: v for k, v in raw.items() if k != "EXPECTEDRESULTS" and isinstance(v, bool)}
        if "EXPTECTEDEXPIRED" in flags:
            # Like every flag beside it, true means "this step succeeds": in all seven cases the
            # VALIDATIONCLOCK lies between the code's iat and exp.
            flags.setdefault("EXPECTEDEXPIRATIONCHECK", flags.pop("EXPTECTEDEXPIRED"))
        return flags

    @property
    def clock(self) -> datetime:
        ctx = self.data.get("TESTCTX", {})
        text = str(ctx.get("VALIDATIONCLOCK") or ctx.get("validationClockInstant"))
        text = text.replace("Z", "+00:00")
        # Python 3.11 reads at most 6 fraction digits; several clocks have 7 or 9.
        if "." in text:
            head, _, rest = text.partition(".")
            digits = "".join(ch for ch in rest if ch.isdigit())
            zone = rest[len(digits) :]
            text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
        clock = datetime.fromisoformat(text)
        return clock if clock.tzinfo else clock.replace(tzinfo=UTC)

    @property
    def png(self) -> str | None:
        return self.data.get("2DCODE") or self.data.get("_2DCODE")

    def hex_field(self, name: str) -> bytes | None:
        value = self.data.get(name)
        return bytes.fromhex(value) if isinstance(value, str) else None


def load_case(path: Path) -> Case:
    return Case(case_id(path), json.loads(path.read_text()))


@cache
def schema() -> DccSchema:
    return DccSchema(SCHEMA_PATH)


@cache
def value_sets() -> ValueSets:
    return load_value_sets(VALUE_SETS_DIR)


def decode_png(b64: str) -> list[str]:
    """The QR texts in a base64 PNG ([] when the PNG itself is unreadable)."""
    try:
        raw = base64.b64decode(b64)
    except (binascii.Error, ValueError):
        return []
    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return []
    try:
        from firmware_interfaces.camera.decoder import decode_image
    except ImportError:
        import zxingcpp

        return [r.text for r in zxingcpp.read_barcodes(image)]
    return decode_image(image, budget_ms=1000.0)


def _dsc(case: Case) -> Dsc:
    return Dsc.from_der(base64.b64decode(case.data["TESTCTX"]["CERTIFICATE"]))


def _cose_bytes(case: Case) -> bytes:
    cose = case.hex_field("COSE")
    if cose is not None:
        return cose
    return inflate(b45decode(unprefix(case.data["PREFIX"])))


def _picture(case: Case) -> bool:
    png = case.png
    return png is not None and case.data.get("PREFIX") in decoded_pngs().get(case.id, [])


def _unprefix(case: Case) -> bool:
    rest = unprefix(case.data["PREFIX"])
    return "BASE45" not in case.data or rest == case.data["BASE45"]


def _b45(case: Case) -> bool:
    text = case.data.get("BASE45")
    raw = b45decode(text if isinstance(text, str) else unprefix(case.data["PREFIX"]))
    compressed = case.hex_field("COMPRESSED")
    return compressed is None or raw == compressed


def _compression(case: Case) -> bool:
    compressed = case.hex_field("COMPRESSED")
    if compressed is None:
        compressed = b45decode(unprefix(case.data["PREFIX"]))
    cose = case.hex_field("COSE")
    return cose is None or inflate(compressed) == cose


def _decode(case: Case) -> bool:
    # The CBOR field is the hcert payload itself (the map under -260 -> 1), not the CWT.
    payload = case.hex_field("CBOR")
    if payload is None:
        dcc = to_json(parse_claims(parse_cose(_cose_bytes(case)).payload).dcc)
    else:
        decoded = loads_cbor(payload, "cbor")
        # Most cases hold the hcert map here; some (NL, SG, UA, VA) the whole CWT claims.
        if isinstance(decoded, Mapping) and CLAIM_HCERT in decoded:
            decoded = parse_claims(payload).dcc
        dcc = to_json(decoded)
    return "JSON" not in case.data or same_payload(dcc, case.data["JSON"])


def _valid_json(case: Case) -> bool:
    cose = parse_cose(inflate(b45decode(unprefix(case.data["PREFIX"]))))
    dcc = to_json(parse_claims(cose.payload).dcc)
    return "JSON" not in case.data or same_payload(dcc, case.data["JSON"])


def same_payload(a: Any, b: Any) -> bool:
    """Equal JSON, where two date-time strings naming the same instant are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_payload(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_payload(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str) and a != b and "T" in a and "T" in b:
        try:
            return _instant(a) == _instant(b)
        except ValueError:
            return False
    return type(a) is type(b) and a == b


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _payload(case: Case) -> Any:
    try:
        return to_json(parse_claims(parse_cose(_cose_bytes(case)).payload).dcc)
    except (DecodeError, KeyError, ValueError):
        if "JSON" in case.data:
            return case.data["JSON"]
        raise


def _schema(case: Case) -> bool:
    payload = _payload(case)
    if schema().problems(payload) != []:
        return False
    return not isinstance(payload, dict) or value_sets().first_mismatch(payload) is None


def _valid_object(case: Case) -> bool:
    parse_claims(parse_cose(_cose_bytes(case)).payload)
    return True


def _verify(case: Case) -> bool:
    # As a verifier finds the key: by the code's kid (protected, else unprotected), which must
    # be the certificate's (common/CO22, CO23 sign correctly under a wrong kid).
    cose = parse_cose(_cose_bytes(case))
    dsc = _dsc(case)
    return cose.kid == dsc.kid and signature_ok(cose, dsc.public_key)


def _expiration(case: Case) -> bool:
    claims = parse_claims(parse_cose(_cose_bytes(case)).payload)
    return check_expiry(claims, [_dsc(case)], case.clock) is None


def _key_usage(case: Case) -> bool:
    claims = parse_claims(parse_cose(_cose_bytes(case)).payload)
    return certificate_types(claims.dcc) <= _dsc(case).allowed_types


CHECKS: dict[str, Callable[[Case], bool]] = {
    "EXPECTEDPICTUREDECODE": _picture,
    "EXPECTEDUNPREFIX": _unprefix,
    "EXPECTEDB45DECODE": _b45,
    "EXPECTEDCOMPRESSION": _compression,
    "EXPECTEDDECODE": _decode,
    "EXPECTEDVALIDJSON": _valid_json,
    "EXPECTEDSCHEMAVALIDATION": _schema,
    "EXPECTEDVALIDOBJECT": _valid_object,
    "EXPECTEDVERIFY": _verify,
    "EXPECTEDEXPIRATIONCHECK": _expiration,
    "EXPECTEDKEYUSAGE": _key_usage,
}


def outcome(case: Case, flag: str) -> tuple[bool, str]:
    """Whether the step of ``flag`` succeeds on ``case``, and why not when it does not."""
    try:
        return CHECKS[flag](case), "result differs"
    except DecodeError as exc:
        return False, str(exc)
    except TrustListError as exc:
        return False, f"certificate: {exc.reason}"
    except (KeyError, ValueError, TypeError) as exc:
        return False, f"{type(exc).__name__}: {exc}"


@cache
def decoded_pngs() -> dict[str, list[str]]:
    """Every case's PNG decoded once per run."""
    out = {}
    for path in case_files():
        case = load_case(path)
        if case.png is not None:
            out[case.id] = decode_png(case.png)
    return out


def load_known_wrong() -> dict[tuple[str, str], str]:
    """(case id, flag) -> the defect in the data, from known_wrong_cases.csv."""
    import csv

    table = {}
    with KNOWN_WRONG.open(newline="") as f:
        for row in csv.DictReader(f):
            for flag in row["flags"].split("|"):
                table[row["case"], flag.strip()] = row["reason"]
    return table
