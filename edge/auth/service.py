"""The :class:`Authenticator`: accounts, throttled password checks, server-side sessions and
password changes, for one web application (the gateway's page, or the centre's dashboard).

Password checks (scrypt) run off the event loop; the rest is bookkeeping in memory, with
sessions and changed passwords written through their backends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from edge.auth.accounts import Account, Roles, User
from edge.auth.errors import PasswordChangeError
from edge.auth.passwords import hash_password, verify_password
from edge.auth.persistence import PasswordChange
from edge.auth.sessions import Session, SessionBook
from edge.auth.throttle import LoginThrottle
from edge.core.words import N_

# A hash to check against when the username is unknown, so a wrong name costs as much time as
# a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

MIN_PASSWORD = 8
MAX_PASSWORD = 1000

# What a person reads when a password change is refused.
WRONG_CURRENT = N_("the current password is wrong")
TOO_SHORT = N_("a new password needs at least {n} characters").format(n=MIN_PASSWORD)
TOO_LONG = N_("a new password may have at most {n} characters").format(n=MAX_PASSWORD)
UNCHANGED = N_("the new password is the same as the current one")
NOT_HERE = N_("passwords cannot be changed here: ask an administrator")


#: how often to try again to read changed passwords from a store that could not be read
RELOAD_PASSWORDS_S = 10.0


class PasswordBackend(Protocol):
    async def load(self) -> list[PasswordChange] | None: ...
    async def save(self, change: PasswordChange) -> None: ...
    async def forget(self, usernames: Sequence[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    account_attempts: int = 5
    account_period_s: float = 60.0
    client_attempts: int = 10
    client_period_s: float = 300.0


class Authenticator:
    """``roles`` orders the application's roles, lowest first."""

    def __init__(
        self,
        accounts: Mapping[str, Account],
        roles: Roles,
        sessions: SessionBook,
        throttle: ThrottleSettings,
        *,
        passwords: PasswordBackend | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.roles = roles
        self.sessions = sessions
        self._file_hashes = {name: a.password_hash for name, a in accounts.items()}
        self._accounts = dict(accounts)
        self._passwords = passwords
        self._clock = clock
        self.throttle = LoginThrottle(
            set(accounts),
            account_attempts=throttle.account_attempts,
            account_period_s=throttle.account_period_s,
            client_attempts=throttle.client_attempts,
            client_period_s=throttle.client_period_s,
            clock=clock,
        )
        self._ready = False
        self._passwords_loaded = False
        self._next_password_load = 0.0
        self._lock: asyncio.Lock | None = None

    @property
    def can_change_passwords(self) -> bool:
        return self._passwords is not None

    async def open(self) -> None:
        """Load stored sessions and changed passwords, once (the first request does it; a
        store that cannot be read is asked again for the passwords now and then)."""
        if self._ready and self._passwords_loaded:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._ready:
                await self.sessions.open()
                self._ready = True
            if not self._passwords_loaded and self._clock() >= self._next_password_load:
                await self._load_passwords()

    async def _load_passwords(self) -> None:
        if self._passwords is None:
            self._passwords_loaded = True
            return
        changes = await self._passwords.load()
        if changes is None:
            self._next_password_load = self._clock() + RELOAD_PASSWORDS_S
            return
        stale = []
        for change in changes:
            account = self._accounts.get(change.username)
            if account is None or self._file_hashes.get(change.username) != change.replaces_hash:
                stale.append(change.username)  # the users file changed since: it wins
            else:
                self._accounts[change.username] = Account(account.user, change.password_hash)
        self._passwords_loaded = True
        if stale:
            await self._passwords.forget(stale)

    def user(self, username: str) -> User | None:
        account = self._accounts.get(username)
        return account.user if account is not None else None

    def password_version(self, username: str) -> str | None:
        """Changes with the account's password (None: no such account); a Basic stream ends
        when it does."""
        account = self._accounts.get(username)
        return account.password_hash if account is not None else None

    # -- passwords ----------------------------------------------------------------------------
    def _check(self, username: str, password: str) -> User | None:
        """Blocking (scrypt): run it on a worker thread."""
        account = self._accounts.get(username)
        hashed = account.password_hash if account else _DUMMY_HASH
        ok = verify_password(password, hashed)
        return account.user if ok and account is not None else None

    async def check(self, username: str, password: str, client: str) -> User | None:
        """A throttled password check; raises :class:`TooManyAttemptsError` unchecked."""
        await self.open()
        ticket = self.throttle.admit(username, client)
        user = await asyncio.to_thread(self._check, username, password)
        if user is None:
            self.throttle.failed(ticket)
        else:
            self.throttle.succeeded(ticket)
        return user

    async def login(self, username: str, password: str, client: str) -> tuple[User, str] | None:
        """Check a password and open a session: (user, token), or None when wrong."""
        user = await self.check(username, password, client)
        if user is None:
            return None
        return user, await self.sessions.start(user.username, client)

    async def change_password(
        self, user: User, current: str, new: str, client: str, *, token: str | None
    ) -> str:
        """Set ``user``'s password; end all of their sessions (the one ``token`` names too)
        and open a fresh one for the caller, whose token is returned."""
        if self._passwords is None:
            raise PasswordChangeError(NOT_HERE)
        if await self.check(user.username, current, client) is None:
            raise PasswordChangeError(WRONG_CURRENT)
        if len(new) < MIN_PASSWORD:
            raise PasswordChangeError(TOO_SHORT)
        if len(new) > MAX_PASSWORD:
            raise PasswordChangeError(TOO_LONG)
        if new == current:
            raise PasswordChangeError(UNCHANGED)
        hashed = await asyncio.to_thread(hash_password, new)
        change = PasswordChange(
            user.username, hashed, self._file_hashes[user.username], self._clock()
        )
        await self._passwords.save(change)
        self._accounts[user.username] = Account(self._accounts[user.username].user, hashed)
        await self.sessions.end_where(lambda s: s.username == user.username)
        self.sessions.changed()  # streams opened with the old password (HTTP Basic) end too
        return await self.sessions.start(user.username, client)

    # -- sessions -----------------------------------------------------------------------------
    async def user_of_token(self, token: str) -> tuple[User, Session] | None:
        await self.open()
        session = self.sessions.find(token)
        if session is None:
            return None
        user = self.user(session.username)  # looked up each time: a removed account is out
        return (user, session) if user is not None else None

    async def end_everyone_else(self, keep: Session | None) -> int:
        keep_key = keep.key if keep is not None else None
        return await self.sessions.end_where(lambda s: s.key != keep_key)
