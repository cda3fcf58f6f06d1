"""Server-side sessions: a login hands out a random token, and the session it names lives on
the server, so logging out, changing a password or a supervisor's "sign out everyone" ends it
at once, wherever a copy of the token is.

Neither the store nor memory keeps a token: both keep its keyed digest (HMAC-SHA256 with the
application's session secret), so a copy of the database opens nothing. Sessions are looked up
in memory (every request does it) and written through a :class:`SessionBackend` (the gateway's
SQLite, so a restart logs no one out); a session is handed out only after it is stored, and
ended in memory before the store is told. A session lasts ``max_age_s`` from its login.

The book is bounded: at most ``max_per_user`` sessions per user (a new login ends that user's
oldest) and ``max_total`` in all (the oldest ends).

A session that ends also ends what is open on it: a long-lived answer (the page's live event
stream) holds a :class:`SessionWatch`, woken whenever sessions end, and stops once its own has.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Session:
    key: str  # hex digest of the token: what is stored, never the token
    username: str
    client: str  # the address it was opened from, for the supervisor's list
    created_at: float
    expires_at: float


class SessionBackend(Protocol):
    """Where sessions outlive the process. Every method is awaited before the caller goes on."""

    async def load(self, now: float) -> list[Session]: ...
    async def add(self, session: Session, *, drop: Sequence[str], now: float) -> None: ...
    async def remove(self, keys: Sequence[str]) -> None: ...


class MemoryBackend:
    """Sessions in memory only: a restart ends them all."""

    async def load(self, now: float) -> list[Session]:
        return []

    async def add(self, session: Session, *, drop: Sequence[str], now: float) -> None:
        return None

    async def remove(self, keys: Sequence[str]) -> None:
        return None


class SessionBook:
    def __init__(
        self,
        backend: SessionBackend,
        *,
        secret: bytes,
        max_age_s: float,
        clock: Callable[[], float] = time.time,
        max_per_user: int = 20,
        max_total: int = 10_000,
    ) -> None:
        self._backend = backend
        self._secret = secret
        self.max_age_s = max_age_s
        self._clock = clock
        self._max_per_user = max_per_user
        self._max_total = max_total
        self._sessions: dict[str, Session] = {}  # insertion order: oldest first
        self._loaded = False
        self._lock: asyncio.Lock | None = None
        self._ended: asyncio.Event | None = None

    def key_of(self, token: str) -> str:
        return hmac.new(self._secret, token.encode("utf-8"), hashlib.sha256).hexdigest()

    async def open(self) -> None:
        """Load the stored sessions, once (the first request does it)."""
        if self._loaded:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._loaded:
                return
            now = self._clock()
            for session in sorted(await self._backend.load(now), key=lambda s: s.created_at):
                if session.expires_at > now:
                    self._sessions[session.key] = session
            self._loaded = True

    # -- reading ------------------------------------------------------------------------------
    def find(self, token: str) -> Session | None:
        """The live session a token names, or None (unknown, ended or expired)."""
        if not token or len(token) > 200:
            return None
        session = self._sessions.get(self.key_of(token))
        if session is None or session.expires_at <= self._clock():
            return None
        return session

    def sessions(self) -> list[Session]:
        now = self._clock()
        return [s for s in self._sessions.values() if s.expires_at > now]

    def ended(self) -> asyncio.Event:
        """Set (and then replaced by a fresh one) the next time any session ends."""
        if self._ended is None:
            self._ended = asyncio.Event()
        return self._ended

    def changed(self) -> None:
        """Something else that ends long-lived answers changed (a password): they look."""
        self._tell_ended()

    def _tell_ended(self) -> None:
        if self._ended is not None:
            self._ended.set()
            self._ended = None

    # -- changing -----------------------------------------------------------------------------
    async def start(self, username: str, client: str) -> str:
        """Open a session and return its token, once the session is stored."""
        await self.open()
        now = self._clock()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        session = Session(self.key_of(token), username, client, now, now + self.max_age_s)
        drop = [s.key for s in self._sessions.values() if s.expires_at <= now]
        mine = [s.key for s in self._sessions.values() if s.username == username]
        drop += mine[: max(0, len(mine) - self._max_per_user + 1)]
        excess = len(self._sessions) - len(set(drop)) - self._max_total + 1
        if excess > 0:
            drop += [k for k in self._sessions if k not in drop][:excess]
        await self._backend.add(session, drop=drop, now=now)
        for key in drop:
            self._sessions.pop(key, None)
        self._sessions[session.key] = session
        if drop:
            self._tell_ended()
        return token

    async def end(self, token: str) -> bool:
        """End the session ``token`` names; False when there was none."""
        await self.open()
        key = self.key_of(token)
        if self._sessions.pop(key, None) is None:
            return False
        self._tell_ended()
        await self._backend.remove([key])
        return True

    async def end_where(self, predicate: Callable[[Session], bool]) -> int:
        """End every session ``predicate`` picks; return how many were live."""
        await self.open()
        now = self._clock()
        picked = [s for s in self._sessions.values() if predicate(s)]
        for session in picked:
            del self._sessions[session.key]
        if picked:
            self._tell_ended()
            await self._backend.remove([s.key for s in picked])
        return sum(1 for s in picked if s.expires_at > now)


class Watch(Protocol):
    """What a long-lived answer (the live stream) checks to know it may go on."""

    def live(self) -> bool: ...
    def ended(self) -> asyncio.Event: ...


@dataclass(frozen=True, slots=True)
class CredentialWatch:
    """The same for HTTP Basic, which has no session: the answer ends when the password it
    was given with changes (``current`` is the account's password version, None once gone)."""

    book: SessionBook
    current: Callable[[], str | None]
    at_start: str | None

    def live(self) -> bool:
        return self.at_start is not None and self.current() == self.at_start

    def ended(self) -> asyncio.Event:
        return self.book.ended()


@dataclass(frozen=True, slots=True)
class SessionWatch:
    """What a long-lived answer keeps to learn that its session has ended."""

    book: SessionBook
    token: str

    def live(self) -> bool:
        return self.book.find(self.token) is not None

    def ended(self) -> asyncio.Event:
        return self.book.ended()
