"""Publishing: a change to a stream -> its next value, signed, recorded and audited.

The caller says how the value changes (:func:`status_changes`, :func:`certificates`, ...); the
:class:`Publisher` reads the stream's value now, applies the change, signs the result
(:mod:`cloud_sync.distribution.publishing`) and records it. Should someone else publish to the
same stream in between, the change is applied again to their result, so nobody's publication
is lost. The running monitor's :mod:`.sender` puts what is recorded on the broker.
"""

from __future__ import annotations

import datetime
import getpass
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cloud_sync.distribution.content import (
    CODECS,
    Notice,
    Notices,
    Severity,
    StatusEntries,
    Trust,
)
from cloud_sync.distribution.errors import ContentError
from cloud_sync.distribution.keys import CentreKeyError, kid_of, private_key_from_pem
from cloud_sync.distribution.kinds import Kind, Scope
from cloud_sync.distribution.publishing import Publication, publish
from cloud_sync.monitor.distribution.store import ConflictError, DistributionStore
from edge.crypto.jws import PrivateKey

Change = Callable[[Any], Any]
_ATTEMPTS = 5

# -- what a person reads (one place, to be translated) ---------------------------------------
NOTHING_CHANGES = "nothing changes: {kind} for {scope} already is what you publish"
BUSY = "others keep publishing to {kind} for {scope}: try again"
STATUS_SUMMARY = "{n:,} change(s): {parts}"
REPLACED_SUMMARY = "the whole list replaced: {described}"
CERTS_SUMMARY = "{n} signer certificates ({countries} countries)"
SETS_SUMMARY = "value sets: {names}"
NOTICE_SUMMARY = "notice {id} ({severity}): {title}"
WITHDRAWN_SUMMARY = "notice {id} withdrawn"
UNKNOWN_NOTICE = "no notice {id} for {scope}"


def current_user() -> str:
    """Who runs this command, for the audit when no ``--by`` is given."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


class PublishError(Exception):
    """A publication that could not be made; the text says why."""


class NothingToPublishError(PublishError):
    """The stream already holds what was to be published."""


@dataclass(frozen=True, slots=True)
class Signer:
    key: PrivateKey
    kid: str

    @classmethod
    def from_file(cls, path: Path, kid: str | None = None) -> Signer:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PublishError(f"{path}: {exc.strerror or 'cannot read'}") from None
        try:
            key = private_key_from_pem(data, str(path))
        except CentreKeyError as exc:
            raise PublishError(str(exc)) from None
        return cls(key, kid or kid_of(path))


@dataclass(frozen=True, slots=True)
class Published:
    id: int
    publication: Publication


class Publisher:
    def __init__(
        self, store: DistributionStore, signer: Signer, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.signer = signer
        self.clock = clock

    def publish(
        self,
        kind: Kind,
        scope: Scope,
        change: Change,
        *,
        by: str,
        source: str,
        detail: str = "",
        summary: Callable[[Any, Any], str] | None = None,
        whole: bool = False,
    ) -> Published:
        """Apply ``change`` to the stream's value and publish the result."""
        for _ in range(_ATTEMPTS):
            current = self.store.value(kind, scope)
            try:
                new = change(current.value)
            except ContentError as exc:
                raise PublishError(str(exc)) from None
            if current.version and new == current.value:
                raise NothingToPublishError(NOTHING_CHANGES.format(kind=kind, scope=scope))
            pub = publish(
                self.signer.key,
                self.signer.kid,
                kind,
                scope,
                previous_version=current.version,
                old_value=current.value,
                new_value=new,
                now=self.clock(),
                summary=summary(current.value, new) if summary is not None else "",
                whole=whole,
            )
            try:
                return Published(
                    self.store.record(pub, by=by, source=source, detail=detail, now=self.clock()),
                    pub,
                )
            except ConflictError:
                continue
        raise PublishError(BUSY.format(kind=kind, scope=scope))


# -- the changes ----------------------------------------------------------------------------------
def status_changes(
    changes: Mapping[str, str], removed: list[str], *, replace: bool = False
) -> tuple[Change, Callable[[Any, Any], str]]:
    """Set colours (and take passes off); ``replace``: the changes are the whole list."""

    def change(current: StatusEntries) -> StatusEntries:
        new = {} if replace else dict(current)
        for pass_id in removed:
            new.pop(pass_id, None)
        new.update(changes)
        return MappingProxyType(new)

    def summary(old: StatusEntries, new: StatusEntries) -> str:
        if replace:
            return REPLACED_SUMMARY.format(described=CODECS[Kind.STATUS_LIST].describe(new))
        counts: dict[str, int] = {}
        for pass_id, colour in changes.items():
            if old.get(pass_id) != colour:
                counts[colour] = counts.get(colour, 0) + 1
        gone = sum(1 for p in removed if p in old)
        parts = [f"{n:,} {colour}" for colour, n in sorted(counts.items())]
        if gone:
            parts.append(f"{gone:,} removed")
        return STATUS_SUMMARY.format(n=sum(counts.values()) + gone, parts=", ".join(parts))

    return change, summary


def certificates(certs: tuple[Any, ...]) -> tuple[Change, Callable[[Any, Any], str]]:
    def change(current: Trust) -> Trust:
        return Trust(tuple(certs), current.value_sets)

    def summary(_old: Trust, _new: Trust) -> str:
        countries = len({c.country for c in certs if c.country})
        return CERTS_SUMMARY.format(n=len(certs), countries=countries)

    return change, summary


def value_sets(docs: list[dict[str, Any]]) -> tuple[Change, Callable[[Any, Any], str]]:
    def change(current: Trust) -> Trust:
        checked = CODECS[Kind.TRUST].snapshot({"value_sets": docs}).value_sets or {}
        return Trust(
            current.certificates, MappingProxyType({**(current.value_sets or {}), **checked})
        )

    def summary(_old: Trust, _new: Trust) -> str:
        return SETS_SUMMARY.format(names=", ".join(sorted(str(d["valueSetId"]) for d in docs)))

    return change, summary


def policy(doc: dict[str, Any]) -> tuple[Change, Callable[[Any, Any], str]]:
    def change(_current: Any) -> Any:
        return CODECS[Kind.POLICY].snapshot({"policy": doc})

    def summary(_old: Any, _new: Any) -> str:
        shown = ", ".join(f"{k} = {v}" for k, v in sorted(doc.items()) if not isinstance(v, dict))
        return f"policy: {shown}"[:500]

    return change, summary


def new_notice_id(now: float) -> str:
    stamp = datetime.datetime.fromtimestamp(now, datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return f"n-{stamp}-{secrets.token_hex(2)}"


def notice(
    *,
    title: str,
    text: str,
    severity: Severity,
    now: float,
    expires_at: float | None = None,
    replies: bool = True,
) -> tuple[Change, Callable[[Any, Any], str], str]:
    """A new notice (and the expired ones dropped); also its id."""
    notice_id = new_notice_id(now)
    entry = {
        "id": notice_id,
        "severity": severity,
        "title": title,
        "text": text,
        "issued_at": now,
        "expires_at": expires_at,
        "replies": replies,
    }

    def change(current: Notices) -> Notices:
        live = [n.dump() for n in current if n.expires_at is None or n.expires_at > now]
        made: Notices = CODECS[Kind.NOTICE].snapshot({"notices": [*live, entry]})
        return made

    def summary(_old: Any, _new: Any) -> str:
        return NOTICE_SUMMARY.format(id=notice_id, severity=severity, title=title)[:500]

    return change, summary, notice_id


def withdraw(notice_id: str, scope: Scope) -> tuple[Change, Callable[[Any, Any], str]]:
    def change(current: Notices) -> Notices:
        if not any(n.id == notice_id for n in current):
            raise ContentError(UNKNOWN_NOTICE.format(id=notice_id, scope=scope))
        return tuple(n for n in current if n.id != notice_id)

    def summary(_old: Any, _new: Any) -> str:
        return WITHDRAWN_SUMMARY.format(id=notice_id)

    return change, summary


def held_notices(store: DistributionStore, scope: Scope) -> tuple[Notice, ...]:
    held: Notices = store.value(Kind.NOTICE, scope).value
    return tuple(held)
