"""The signed item: one version of one stream, as a compact JWS. Sans-IO.

Header ``{"alg", "kid", "typ": "ccg-item+jws", "ccg.zip": "zlib", "crit": ["ccg.zip"]}``: the
payload is zlib-compressed JSON (a status list of 100,000 passes is 3 MB of JSON, 1.2 MB
compressed), and ``crit`` makes a reader that does not know that refuse the item instead of
misreading it. The payload::

    {"v": 1, "kind": "status-list", "scope": "community:willow-court", "version": 1764380000123,
     "mode": "delta", "base": 1764380000000, "issued_at": 1764380000.123, "content": {...}}

``version`` only grows per stream (the centre takes ``max(previous + 1, now in ms)``, so a centre
restored from a backup still counts up); ``base`` is the version a delta follows (0: nothing).

:func:`open_item` checks, in this order and before anything is decompressed: size, form,
type, key, signature; then decompresses within the kind's limit and checks the payload's
form. What it returns is authentic and well formed; whether it is in scope and in order is the
receiver's business (:mod:`cloud_sync.uplink.distribution`).
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from dataclasses import dataclass
from typing import Any

from cloud_sync.distribution.errors import ItemRefusedError, Refusal
from cloud_sync.distribution.keys import CentreKeys
from cloud_sync.distribution.kinds import Kind, Mode, Scope, ScopeError
from edge.crypto import jws

TYPE = "ccg-item+jws"
ZIP = "ccg.zip"
FORMAT = 1
MAX_VERSION = 2**53 - 1  # a JSON number the dashboard's JavaScript holds exactly

#: The signed text, whatever its kind: a status list of 2,000,000 passes fits.
MAX_ITEM_CHARS = 48 * 1024 * 1024
#: The decompressed payload, per kind: a bound on what a signed item can make a gateway hold.
MAX_PAYLOAD_BYTES = {
    Kind.STATUS_LIST: 96 * 1024 * 1024,
    Kind.TRUST: 32 * 1024 * 1024,
    Kind.POLICY: 256 * 1024,
    Kind.NOTICE: 1024 * 1024,
}


@dataclass(frozen=True, slots=True)
class Item:
    kind: Kind
    scope: Scope
    version: int
    mode: Mode
    base: int  # the version a delta follows; 0 for a snapshot
    issued_at: float
    content: dict[str, Any]
    kid: str = ""  # who signed it (set by open_item)
    digest: str = ""  # sha256 of the signed text, hex: names this exact item
    payload_z: bytes = b""  # the compressed payload as signed: what a gateway persists

    def payload(self) -> dict[str, Any]:
        return {
            "v": FORMAT,
            "kind": self.kind.value,
            "scope": str(self.scope),
            "version": self.version,
            "mode": self.mode.value,
            "base": self.base,
            "issued_at": self.issued_at,
            "content": self.content,
        }


def compress(payload: dict[str, Any], level: int = 6) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return zlib.compress(data, level)


def sign_item(key: jws.PrivateKey, kid: str, item: Item) -> str:
    """The item as compact JWS text, signed with the centre's ``key`` known as ``kid``."""
    header = {"typ": TYPE, ZIP: "zlib", "crit": [ZIP]}
    return jws.sign_compact(key, kid=kid, payload=compress(item.payload()), header=header)


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("ascii", errors="replace")).hexdigest()


def decompress(data: bytes, limit: int) -> bytes:
    """zlib within ``limit`` bytes; :class:`ItemRefusedError` when larger or cut short."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ItemRefusedError(Refusal.DAMAGED, f"payload does not decompress: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise ItemRefusedError(Refusal.TOO_LARGE, f"payload larger than {limit:,} bytes")
    if not inflater.eof:
        raise ItemRefusedError(Refusal.DAMAGED, "payload is cut short (truncated)")
    return out


def open_item(text: str, keys: CentreKeys) -> Item:
    """Verify and read an item; anything wrong raises :class:`ItemRefusedError` with the reason."""
    if len(text) > MAX_ITEM_CHARS:
        raise ItemRefusedError(Refusal.TOO_LARGE, f"{len(text):,} characters, more than any item")
    try:
        signed = jws.parse_compact(text, understood_crit=(ZIP,), max_part_chars=MAX_ITEM_CHARS)
    except jws.JwsError as exc:
        raise ItemRefusedError(Refusal.DAMAGED, f"not a signed item ({exc}): truncated?") from None
    if signed.header.get("typ") != TYPE:
        raise ItemRefusedError(Refusal.DAMAGED, f"not a distribution item (typ is not {TYPE})")
    key = keys.get(signed.kid)
    if key is None:
        known = ", ".join(keys.kids) or "none"
        raise ItemRefusedError(
            Refusal.UNKNOWN_KEY, f"signed by key {signed.kid[:64]!r}; trusted: {known}"
        )
    if not jws.signature_ok(key, signed):
        raise ItemRefusedError(Refusal.FORGED, "the signature does not verify (forged or damaged)")
    if signed.header.get(ZIP) != "zlib":
        raise ItemRefusedError(Refusal.DAMAGED, f"unknown compression {signed.header.get(ZIP)!r}")
    # The kind is not known before decompressing: bound by the largest, check by kind after.
    data = decompress(signed.payload, max(MAX_PAYLOAD_BYTES.values()))
    item = read_payload(data)
    if len(data) > MAX_PAYLOAD_BYTES[item.kind]:
        raise ItemRefusedError(
            Refusal.TOO_LARGE, f"{item.kind} payload larger than {MAX_PAYLOAD_BYTES[item.kind]:,}"
        )
    return Item(
        kind=item.kind,
        scope=item.scope,
        version=item.version,
        mode=item.mode,
        base=item.base,
        issued_at=item.issued_at,
        content=item.content,
        kid=signed.kid,
        digest=digest_of(text),
        payload_z=signed.payload,
    )


def _version(value: object, name: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_VERSION:
        raise ItemRefusedError(Refusal.DAMAGED, f"{name} must be a whole number from 0")
    return value


def read_payload(data: bytes) -> Item:
    """The payload's JSON (decompressed) -> an :class:`Item` without signer or digest."""
    try:
        body = jws.json_object(data, "payload")
    except jws.JwsError as exc:
        raise ItemRefusedError(Refusal.DAMAGED, f"payload: {exc.reason}") from None
    if body.get("v") != FORMAT:
        raise ItemRefusedError(Refusal.DAMAGED, f"unknown item format {str(body.get('v'))[:20]}")
    try:
        kind = Kind(str(body.get("kind")))
        mode = Mode(str(body.get("mode")))
        scope = Scope.parse(str(body.get("scope")))
    except (ValueError, ScopeError) as exc:
        raise ItemRefusedError(Refusal.DAMAGED, f"payload: {exc}") from None
    version, base = _version(body.get("version"), "version"), _version(body.get("base"), "base")
    if version == 0 or (mode is Mode.DELTA and base >= version):
        raise ItemRefusedError(Refusal.DAMAGED, "a version must be above 0 and above its base")
    issued_at = body.get("issued_at")
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
        raise ItemRefusedError(Refusal.DAMAGED, "issued_at must be a time")
    if not math.isfinite(issued_at):
        raise ItemRefusedError(Refusal.DAMAGED, "issued_at must be a time")
    content = body.get("content")
    if not isinstance(content, dict):
        raise ItemRefusedError(Refusal.DAMAGED, "content must be an object")
    base = base if mode is Mode.DELTA else 0
    return Item(kind, scope, version, mode, base, float(issued_at), content)
