"""The status list: a pass's colour after issue (pass id -> green/yellow/red/revoked).

File forms (JSON)::

    {"iat": 1764380000, "iss": "willow-court", "entries": {"Jk3...": "red", "q9X...": "revoked"}}
    {"signed": "<compact JWS whose payload is the object above>"}

``iat`` and ``iss`` are optional in the plain form. When the list is given a :class:`KeyRing`,
only the signed form is accepted, its signature must verify with a key in the ring, and a list
whose ``iat`` is older than the one in force is refused (no rolling back to an old list).

The list in force is swapped as one reference, so a lookup sees the old list or the new one,
never a mixture. It changes by :meth:`StatusList.reload`, by :meth:`StatusList.replace` (for an
API), or by itself when the file's modification time, size or inode changes (checked at most
once per ``check_interval_s`` on lookup). Whichever change came last wins. A file that cannot
be used leaves the previous list in force and is reported in ``last_error``.
"""

from __future__ import annotations

import enum
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from edge.crypto.jws import JwsError, parse_compact, signature_ok
from edge.verify.community_pass.errors import StatusListError
from edge.verify.community_pass.keys import KeyRing

log = logging.getLogger(__name__)

#: A signed list's payload: 100,000 entries of a pass id and a colour fit well within this.
MAX_SIGNED_CHARS = 32 * 1024 * 1024


class PassState(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    #: pass id -> a PassState or its value (a list from the centre keeps plain shared strings)
    entries: Mapping[str, str]
    issued_at: int | None = None  # epoch seconds, from the document
    issuer: str | None = None
    signed_by: str | None = None  # kid of the key that signed it, None when unsigned


_STATES = tuple(state.value for state in PassState)
_EMPTY = StatusSnapshot(entries=MappingProxyType({}))


def parse_entries(raw: object, source: Path | None) -> Mapping[str, PassState]:
    if not isinstance(raw, Mapping):
        raise StatusListError(source, "entries must be an object of pass id -> state")
    entries: dict[str, PassState] = {}
    for pass_id, state in raw.items():
        if not isinstance(pass_id, str) or state not in _STATES:
            raise StatusListError(
                source, f"entry {pass_id!r}: {state!r} is not green, yellow, red or revoked"
            )
        entries[pass_id] = PassState(state)
    return MappingProxyType(entries)


def parse_document(
    data: bytes, *, keyring: KeyRing | None, source: Path | None = None
) -> StatusSnapshot:
    """The bytes of a status-list file -> a snapshot. Raises :class:`StatusListError`. Sans-IO."""
    try:
        document: Any = json.loads(data)
    except (ValueError, RecursionError):
        raise StatusListError(source, "not JSON") from None
    if not isinstance(document, dict):
        raise StatusListError(source, "not a JSON object")
    signed_by = None
    if "signed" in document:
        if keyring is None:
            raise StatusListError(source, "signed list, but no keys to check it with")
        document, signed_by = _verified_body(document["signed"], keyring, source)
    elif keyring is not None:
        raise StatusListError(source, "unsigned list, but a signed one is required")
    issued_at, issuer = document.get("iat"), document.get("iss")
    if issued_at is not None and (not isinstance(issued_at, int) or isinstance(issued_at, bool)):
        raise StatusListError(source, "iat must be epoch seconds")
    if issuer is not None and not isinstance(issuer, str):
        raise StatusListError(source, "iss must be a string")
    return StatusSnapshot(
        entries=parse_entries(document.get("entries"), source),
        issued_at=issued_at,
        issuer=issuer,
        signed_by=signed_by,
    )


def _verified_body(signed: object, keyring: KeyRing, source: Path | None) -> tuple[Any, str]:
    if not isinstance(signed, str):
        raise StatusListError(source, "signed must be a compact JWS string")
    try:
        jws = parse_compact(signed, max_part_chars=MAX_SIGNED_CHARS)
    except JwsError as exc:
        raise StatusListError(source, f"signed: {exc}") from None
    found = keyring.lookup(jws.kid)
    if found is None:
        raise StatusListError(source, f"signed with unknown key {jws.kid!r}")
    key, alg = found
    if jws.alg != alg or not signature_ok(key, jws):
        raise StatusListError(source, "signature invalid")
    try:
        body = json.loads(jws.payload)
    except (ValueError, RecursionError):
        raise StatusListError(source, "signed payload is not JSON") from None
    if not isinstance(body, dict):
        raise StatusListError(source, "signed payload is not a JSON object")
    return body, jws.kid


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class StatusList:
    """The status list in force; see the module docstring."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        keyring: KeyRing | None = None,
        check_interval_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._keyring = keyring
        self._check_interval_s = check_interval_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._snapshot = _EMPTY
        self._stat: tuple[int, int, int] | None = None
        self._next_check = 0.0
        self.last_error: StatusListError | None = None
        self.reload_failures = 0
        if path is not None:
            self.reload()  # a list that cannot be read at start-up is a configuration error

    @property
    def snapshot(self) -> StatusSnapshot:
        return self._snapshot

    def lookup(self, pass_id: str) -> PassState | None:
        """The state the list gives ``pass_id``, or None when the list does not name it."""
        self.check_for_changes()
        state = self._snapshot.entries.get(pass_id)
        return None if state is None else PassState(state)

    def check_for_changes(self) -> None:
        """Reload if the file changed; cheap, and does I/O at most once per interval."""
        if self.path is None:
            return
        now = self._monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self._check_interval_s
        stat = _stat_key(self.path)
        if stat == self._stat or not self._lock.acquire(blocking=False):
            return  # unchanged, or another thread is reloading it right now
        try:
            self._reload_locked(stat)
        except StatusListError as exc:
            self._stat = stat  # report a bad file once, not on every check
            self.reload_failures += 1
            self.last_error = exc
            log.warning("status list not reloaded, previous list stays in force: %s", exc)
        finally:
            self._lock.release()

    def reload(self) -> int:
        """Read the file now; return the number of entries. Raises :class:`StatusListError`."""
        if self.path is None:
            raise StatusListError(None, "this status list has no file")
        with self._lock:
            return self._reload_locked(_stat_key(self.path))

    def _reload_locked(self, stat: tuple[int, int, int] | None) -> int:
        assert self.path is not None
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise StatusListError(self.path, exc.strerror or "cannot read") from None
        snapshot = parse_document(data, keyring=self._keyring, source=self.path)
        self._install(snapshot)
        self._stat = stat
        self.last_error = None
        return len(snapshot.entries)

    def _install(self, snapshot: StatusSnapshot) -> None:
        current = self._snapshot.issued_at
        older = snapshot.issued_at is None or (current is not None and snapshot.issued_at < current)
        if self._keyring is not None and current is not None and older:
            raise StatusListError(self.path, "older than the status list in force")
        self._snapshot = snapshot  # one reference swap: readers see old or new, never a mix

    def install(self, snapshot: StatusSnapshot) -> None:
        """Put ``snapshot`` in force at once, as it is, for a list already checked (the
        centre's distribution verifies signature, order and form before it gets here)."""
        with self._lock:
            self._snapshot = snapshot

    def replace(self, mapping: Mapping[str, str]) -> None:
        """Put ``mapping`` (pass id -> state) in force at once. Raises :class:`StatusListError`.

        For a trusted local caller (an authenticated API): no signature is asked for.
        """
        entries = parse_entries(mapping, None)
        with self._lock:
            self._snapshot = StatusSnapshot(entries=entries, issued_at=self._snapshot.issued_at)
