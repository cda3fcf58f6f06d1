"""The content of each kind: its form, checked, and how a delta changes a snapshot. Sans-IO.

Each kind has a :class:`Codec` over a value the gateway holds in memory:

- ``status-list``: pass id -> colour (``green``, ``yellow``, ``red``, ``revoked``). Snapshot
  ``{"entries": {id: colour}}``; delta ``{"set": {id: colour}, "remove": [id]}``.
- ``trust``: EU DCC signer certificates and EU value sets, each part optional. Snapshot and
  delta ``{"certificates": [{"kid", "country", "certificate"}], "value_sets": [EU JSON]}``; in a
  delta a part that is present replaces the held one (value sets one list at a time).
- ``policy``: ``{"policy": {...}}``, snapshots only.
- ``notice``: snapshot ``{"notices": [notice]}``; delta ``{"add": [notice], "withdraw": [id]}``.

A codec never changes the value it is given: a delta makes a new value, so the one in force
stays whole until the new one replaces it. Whether a policy or a value set means anything to
the gateway is for the part that applies it; here only the form and the bounds are checked.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, Literal, NoReturn, TypeVar

from cloud_sync.distribution.errors import ContentError
from cloud_sync.distribution.kinds import Kind

V = TypeVar("V")

#: The colours a status list gives, each one shared str object (100,000 entries, 4 strings).
COLOURS: Mapping[str, str] = MappingProxyType({c: c for c in ("green", "yellow", "red", "revoked")})
PASS_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")  # as the community pass's token says
PASS_IDS = re.compile(f"{PASS_ID.pattern}(?:\n{PASS_ID.pattern})*")  # one a line
NOTICE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
SEVERITIES = ("info", "warning", "critical")

MAX_STATUS_ENTRIES = 2_000_000
MAX_CERTIFICATES = 5_000
MAX_CERTIFICATE_BYTES = 16 * 1024
MAX_VALUE_SETS = 32
MAX_NOTICES = 200  # held at once; the oldest go first
MAX_TITLE = 120
MAX_NOTICE_TEXT = 2_000


def _object(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ContentError(f"{where} must be an object")
    return raw


def _list(raw: object, where: str, limit: int) -> list[Any]:
    if not isinstance(raw, list):
        raise ContentError(f"{where} must be a list")
    if len(raw) > limit:
        raise ContentError(f"{where} has {len(raw):,} entries, more than {limit:,}")
    return raw


def _only(content: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for name in content:
        if name not in allowed:
            raise ContentError(f"{where}: {name[:40]!r} is not one of {', '.join(allowed)}")


class Codec(Generic[V]):
    """How one kind's content is read, changed and written."""

    kind: Kind
    deltas = True

    def empty(self) -> V:
        raise NotImplementedError

    def snapshot(self, content: dict[str, Any]) -> V:
        """The value a snapshot's content gives; raises :class:`ContentError`."""
        raise NotImplementedError

    def delta(self, current: V, content: dict[str, Any]) -> V:
        """A new value: ``current`` changed by a delta's content (``current`` is untouched)."""
        raise ContentError(f"{self.kind} is sent whole, never as changes")

    def dump(self, value: V) -> dict[str, Any]:
        """The snapshot content of ``value`` (``snapshot(dump(v))`` equals ``v``)."""
        raise NotImplementedError

    def diff(self, old: V, new: V) -> dict[str, Any] | None:
        """The delta content from ``old`` to ``new``; None when the kind has no deltas."""
        return None

    def describe(self, value: V) -> str:
        raise NotImplementedError


# -- status list --------------------------------------------------------------------------------
StatusEntries = Mapping[str, str]


def status_entries(raw: object, where: str) -> dict[str, str]:
    """``raw`` (pass id -> colour) checked, every colour one of :data:`COLOURS`' own strings.

    Works on ``raw`` itself when it is a dict (fresh from JSON, owned by the caller): a copy of
    100,000 entries would double the memory for nothing.
    """
    entries = _object(raw, where)
    if len(entries) > MAX_STATUS_ENTRIES:
        raise ContentError(
            f"{where} has {len(entries):,} entries, more than {MAX_STATUS_ENTRIES:,}"
        )
    # The ids in one pass of the regex engine (one per line; a line break inside an id would
    # show as a line too many), the colours by lookup: a 100,000-entry snapshot in about a tenth
    # of the time of a check per entry. The slow loop only names the first bad entry.
    ids = "\n".join(entries)
    if entries and (PASS_IDS.fullmatch(ids) is None or ids.count("\n") != len(entries) - 1):
        _first_bad(entries, where)
    colours = COLOURS
    try:
        for pass_id, colour in entries.items():
            entries[pass_id] = colours[colour]  # one shared string per colour; same size
    except (KeyError, TypeError):  # not a colour; a list or object (unhashable)
        _first_bad(entries, where)
    return entries


def _first_bad(entries: dict[str, Any], where: str) -> NoReturn:
    for pass_id, colour in entries.items():
        if not (isinstance(colour, str) and colour in COLOURS and PASS_ID.fullmatch(pass_id)):
            raise ContentError(
                f"{where}: entry {pass_id[:40]!r}: {str(colour)[:20]!r} is not green, yellow,"
                " red or revoked, or the pass id is not 1-128 of A-Z a-z 0-9 . _ : @ -"
            )
    raise AssertionError("_first_bad called on good entries")


class StatusListCodec(Codec[StatusEntries]):
    kind = Kind.STATUS_LIST

    def empty(self) -> StatusEntries:
        return MappingProxyType({})

    def snapshot(self, content: dict[str, Any]) -> StatusEntries:
        _only(content, ("entries",), "status list")
        return MappingProxyType(status_entries(content.get("entries", {}), "entries"))

    def delta(self, current: StatusEntries, content: dict[str, Any]) -> StatusEntries:
        _only(content, ("set", "remove"), "status-list delta")
        changes = status_entries(content.get("set", {}), "set")
        remove = _list(content.get("remove", []), "remove", MAX_STATUS_ENTRIES)
        new = dict(current)
        for pass_id in remove:
            if not isinstance(pass_id, str):
                raise ContentError("remove must list pass ids")
            new.pop(pass_id, None)
        new.update(changes)
        if len(new) > MAX_STATUS_ENTRIES:
            raise ContentError(f"the list would hold more than {MAX_STATUS_ENTRIES:,} entries")
        return MappingProxyType(new)

    def dump(self, value: StatusEntries) -> dict[str, Any]:
        return {"entries": dict(value)}

    def diff(self, old: StatusEntries, new: StatusEntries) -> dict[str, Any]:
        changed = {k: v for k, v in new.items() if old.get(k) != v}
        removed = [k for k in old if k not in new]
        return {"set": changed, "remove": removed}

    def describe(self, value: StatusEntries) -> str:
        counts = Counter(value.values())
        parts = ", ".join(f"{counts[c]:,} {c}" for c in COLOURS if c in counts)
        return f"{len(value):,} passes" + (f" ({parts})" if parts else "")


# -- trust material -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Certificate:
    """A document signer certificate (DSC) as the EU trust list gives it."""

    kid: str  # base64 of the key id, as in the EU trust list
    country: str  # ISO 3166 alpha-2, or "" when the list does not say
    der: bytes

    def dump(self) -> dict[str, str]:
        return {
            "kid": self.kid,
            "country": self.country,
            "certificate": base64.b64encode(self.der).decode("ascii"),
        }


@dataclass(frozen=True, slots=True)
class Trust:
    """Signer certificates and value sets; None: this part was never sent."""

    certificates: tuple[Certificate, ...] | None = None
    value_sets: Mapping[str, Mapping[str, Any]] | None = None  # valueSetId -> EU JSON


def certificate(raw: object, where: str) -> Certificate:
    entry = _object(raw, where)
    kid, country, cert = entry.get("kid"), entry.get("country", ""), entry.get("certificate")
    if not isinstance(kid, str) or not isinstance(cert, str) or not isinstance(country, str):
        raise ContentError(f"{where}: kid, country and certificate must be text")
    if country and not COUNTRY.match(country):
        raise ContentError(f"{where}: country {country[:8]!r} is not two capital letters")
    try:
        base64.b64decode(kid, validate=True)
        der = base64.b64decode(cert, validate=True)
    except binascii.Error:
        raise ContentError(f"{where}: kid or certificate is not base64") from None
    if not der or len(der) > MAX_CERTIFICATE_BYTES:
        raise ContentError(f"{where}: a certificate of {len(der):,} bytes")
    return Certificate(kid, country, der)


def value_set(raw: object, where: str) -> tuple[str, Mapping[str, Any]]:
    doc = _object(raw, where)
    set_id, values = doc.get("valueSetId"), doc.get("valueSetValues")
    if not isinstance(set_id, str) or not 0 < len(set_id) <= 100:
        raise ContentError(f"{where}: no valueSetId")
    if not isinstance(values, dict) or not values:
        raise ContentError(f"{where} ({set_id}): valueSetValues must be a non-empty object")
    return set_id, MappingProxyType(doc)


class TrustCodec(Codec[Trust]):
    kind = Kind.TRUST

    def empty(self) -> Trust:
        return Trust()

    def _parts(self, content: dict[str, Any], where: str) -> Trust:
        _only(content, ("certificates", "value_sets"), where)
        certificates = None
        if "certificates" in content:
            raw = _list(content["certificates"], "certificates", MAX_CERTIFICATES)
            certificates = tuple(certificate(c, f"certificates[{n}]") for n, c in enumerate(raw))
        sets = None
        if "value_sets" in content:
            raw = _list(content["value_sets"], "value_sets", MAX_VALUE_SETS)
            found: dict[str, Mapping[str, Any]] = {}
            for n, doc in enumerate(raw):
                set_id, checked = value_set(doc, f"value_sets[{n}]")
                if set_id in found:
                    raise ContentError(f"value_sets: two lists named {set_id}")
                found[set_id] = checked
            sets = MappingProxyType(found)
        return Trust(certificates, sets)

    def snapshot(self, content: dict[str, Any]) -> Trust:
        return self._parts(content, "trust")

    def delta(self, current: Trust, content: dict[str, Any]) -> Trust:
        change = self._parts(content, "trust delta")
        sets = current.value_sets
        if change.value_sets is not None:
            sets = MappingProxyType({**(sets or {}), **change.value_sets})
        certificates = current.certificates
        if change.certificates is not None:
            certificates = change.certificates
        return Trust(certificates, sets)

    def dump(self, value: Trust) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if value.certificates is not None:
            out["certificates"] = [c.dump() for c in value.certificates]
        if value.value_sets is not None:
            out["value_sets"] = [dict(doc) for _, doc in sorted(value.value_sets.items())]
        return out

    def diff(self, old: Trust, new: Trust) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if new.certificates is not None and new.certificates != old.certificates:
            out["certificates"] = [c.dump() for c in new.certificates]
        if new.value_sets is not None:
            held = old.value_sets or {}
            changed = [
                dict(doc)
                for set_id, doc in sorted(new.value_sets.items())
                if held.get(set_id) != doc
            ]
            if changed:
                out["value_sets"] = changed
        return out

    def describe(self, value: Trust) -> str:
        parts = []
        if value.certificates is not None:
            countries = len({c.country for c in value.certificates if c.country})
            parts.append(f"{len(value.certificates)} signer certificates ({countries} countries)")
        if value.value_sets is not None:
            parts.append(f"{len(value.value_sets)} value sets")
        return ", ".join(parts) or "nothing"


# -- policy -------------------------------------------------------------------------------------
Policy = Mapping[str, Any] | None


class PolicyCodec(Codec[Policy]):
    kind = Kind.POLICY
    deltas = False

    def empty(self) -> Policy:
        return None

    def snapshot(self, content: dict[str, Any]) -> Policy:
        _only(content, ("policy",), "policy")
        return MappingProxyType(_object(content.get("policy"), "policy"))

    def dump(self, value: Policy) -> dict[str, Any]:
        return {} if value is None else {"policy": dict(value)}

    def describe(self, value: Policy) -> str:
        if value is None:
            return "no policy"
        return f"policy {str(value.get('version', '?'))[:40]}"


# -- notices ------------------------------------------------------------------------------------
Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    severity: Severity
    title: str
    text: str
    issued_at: float  # epoch seconds
    expires_at: float | None = None
    replies: bool = True  # whether staff may answer it

    def dump(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "text": self.text,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "replies": self.replies,
        }


def _words(raw: object, where: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(raw, str) or len(raw) > limit or (not empty and not raw.strip()):
        raise ContentError(f"{where} must be text of 1 to {limit} characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in raw):
        raise ContentError(f"{where} holds control characters")
    return raw


def _when(raw: object, where: str, *, nullable: bool = False) -> float | None:
    if raw is None and nullable:
        return None
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        raise ContentError(f"{where} must be a time in epoch seconds")
    if not math.isfinite(raw) or not 0 <= raw <= 1e11:
        raise ContentError(f"{where} must be a time in epoch seconds")
    return float(raw)


def notice(raw: object, where: str) -> Notice:
    entry = _object(raw, where)
    _only(entry, ("id", "severity", "title", "text", "issued_at", "expires_at", "replies"), where)
    notice_id, severity, replies = (
        entry.get("id"),
        entry.get("severity"),
        entry.get("replies", True),
    )
    if not isinstance(notice_id, str) or not NOTICE_ID.match(notice_id):
        raise ContentError(f"{where}: id must be 1-64 of A-Z a-z 0-9 . _ -")
    if severity not in SEVERITIES:
        raise ContentError(f"{where}: severity must be info, warning or critical")
    if not isinstance(replies, bool):
        raise ContentError(f"{where}: replies must be true or false")
    issued = _when(entry.get("issued_at"), f"{where}: issued_at")
    assert issued is not None
    return Notice(
        id=notice_id,
        severity=severity,
        title=_words(entry.get("title"), f"{where}: title", MAX_TITLE),
        text=_words(entry.get("text", ""), f"{where}: text", MAX_NOTICE_TEXT, empty=True),
        issued_at=issued,
        expires_at=_when(entry.get("expires_at"), f"{where}: expires_at", nullable=True),
        replies=replies,
    )


Notices = tuple[Notice, ...]


def _newest(notices: dict[str, Notice]) -> Notices:
    ordered = sorted(notices.values(), key=lambda n: (n.issued_at, n.id))
    return tuple(ordered[-MAX_NOTICES:])


class NoticeCodec(Codec[Notices]):
    kind = Kind.NOTICE

    def empty(self) -> Notices:
        return ()

    def snapshot(self, content: dict[str, Any]) -> Notices:
        _only(content, ("notices",), "notices")
        raw = _list(content.get("notices", []), "notices", MAX_NOTICES)
        found = {}
        for n, entry in enumerate(raw):
            item = notice(entry, f"notices[{n}]")
            found[item.id] = item
        return _newest(found)

    def delta(self, current: Notices, content: dict[str, Any]) -> Notices:
        _only(content, ("add", "withdraw"), "notice delta")
        found = {n.id: n for n in current}
        for n, entry in enumerate(_list(content.get("add", []), "add", MAX_NOTICES)):
            item = notice(entry, f"add[{n}]")
            found[item.id] = item
        for notice_id in _list(content.get("withdraw", []), "withdraw", MAX_NOTICES):
            if not isinstance(notice_id, str):
                raise ContentError("withdraw must list notice ids")
            found.pop(notice_id, None)
        return _newest(found)

    def dump(self, value: Notices) -> dict[str, Any]:
        return {"notices": [n.dump() for n in value]}

    def diff(self, old: Notices, new: Notices) -> dict[str, Any]:
        held = {n.id: n for n in old}
        now = {n.id for n in new}
        return {
            "add": [n.dump() for n in new if held.get(n.id) != n],
            "withdraw": [n.id for n in old if n.id not in now],
        }

    def describe(self, value: Notices) -> str:
        return f"{len(value)} notice(s)"


CODECS: Mapping[Kind, Codec[Any]] = MappingProxyType(
    {
        Kind.STATUS_LIST: StatusListCodec(),
        Kind.TRUST: TrustCodec(),
        Kind.POLICY: PolicyCodec(),
        Kind.NOTICE: NoticeCodec(),
    }
)
