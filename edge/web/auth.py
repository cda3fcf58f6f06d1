"""Staff login: signed, expiring session cookies; HTTP Basic or a bearer token for API clients.

A session token is ``v1.<payload>.<signature>``: the payload (username, expiry) in base64url
JSON, the signature HMAC-SHA256 over it with the gateway's session secret. The role is not in
the token but looked up on every request, so removing an account or demoting it takes effect
at once.

Other routers use :func:`require_user` and :func:`require_supervisor` as dependencies; they
find the :class:`Authenticator` on ``request.app.state``, set by :func:`edge.web.app.create_app`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from edge.web.passwords import verify_password
from edge.web.settings import WebSettings
from edge.web.users import Account, User

COOKIE = "ccg_session"
# A hash to check against when the username is unknown, so a wrong name costs as much time as
# a wrong password and does not reveal which accounts exist.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


class TooManyAttemptsError(Exception):
    def __init__(self, username: str, retry_after_s: float) -> None:
        super().__init__(f"too many failed logins for {username!r}")
        self.username = username
        self.retry_after_s = retry_after_s


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    def __init__(
        self,
        settings: WebSettings,
        accounts: dict[str, Account],
        secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._accounts = accounts
        self._secret = secret
        self._clock = clock
        self._failures: dict[str, collections.deque[float]] = {}

    # -- passwords ---------------------------------------------------------------------------
    def check_password(self, username: str, password: str) -> User | None:
        """Blocking (scrypt): call it from a worker thread."""
        account = self._accounts.get(username)
        hashed = account.password_hash if account else _DUMMY_HASH
        ok = verify_password(password, hashed)
        return account.user if ok and account is not None else None

    async def login(self, username: str, password: str) -> User | None:
        """Check a login off the event loop (the lanes run on it); throttle repeated failures."""
        now = self._clock()
        failures = self._failures.setdefault(username, collections.deque())
        while failures and failures[0] <= now - self.settings.lockout_s:
            failures.popleft()
        if len(failures) >= self.settings.login_attempts:
            raise TooManyAttemptsError(username, failures[0] + self.settings.lockout_s - now)
        user = await asyncio.to_thread(self.check_password, username, password)
        if user is None:
            failures.append(now)
        else:
            self._failures.pop(username, None)
        return user

    # -- session tokens ----------------------------------------------------------------------
    def issue(self, user: User) -> str:
        expires = int(self._clock() + self.settings.session_max_age_s)
        payload = json.dumps(
            {"u": user.username, "exp": expires, "n": secrets.token_hex(4)},
            separators=(",", ":"),
        ).encode()
        body = _b64(payload)
        return f"v1.{body}.{self._sign(body)}"

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._secret, f"v1.{body}".encode(), hashlib.sha256).digest())

    def user_of_token(self, token: str) -> User | None:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1":
            return None
        if not hmac.compare_digest(self._sign(parts[1]), parts[2]):
            return None
        try:
            payload = json.loads(_unb64(parts[1]))
            username, expires = str(payload["u"]), float(payload["exp"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if expires <= self._clock():
            return None
        account = self._accounts.get(username)
        return account.user if account is not None else None

    # -- requests ----------------------------------------------------------------------------
    async def user_of_request(self, request: Request) -> User | None:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return self.user_of_token(credentials.strip())
        if scheme.lower() == "basic" and credentials:
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except (ValueError, binascii.Error):
                return None
            username, sep, password = decoded.partition(":")
            if not sep:
                return None
            try:
                return await self.login(username, password)
            except TooManyAttemptsError:
                return None
        token = request.cookies.get(COOKIE)
        return self.user_of_token(token) if token else None


def get_authenticator(request: Request) -> Authenticator:
    return cast(Authenticator, request.app.state.authenticator)


AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]


async def optional_user(request: Request, auth: AuthenticatorDep) -> User | None:
    return await auth.user_of_request(request)


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def require_user(user: OptionalUser) -> User:
    """Any logged-in staff member (401 otherwise)."""
    if user is None:
        # "Bearer", not "Basic": a Basic challenge would pop up the browser's own login box.
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(require_user)]


async def require_supervisor(user: CurrentUser) -> User:
    """A logged-in supervisor (403 for staff)."""
    if not user.is_supervisor:
        raise HTTPException(403, f"only a supervisor may do this; {user.username} is staff")
    return user


Supervisor = Annotated[User, Depends(require_supervisor)]
