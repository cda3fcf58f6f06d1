"""The centre's login, on :mod:`edge.auth` (the gateway's own, shared): a users file with the
roles ``viewer`` (reads the dashboard and the API) < ``officer`` < ``admin`` (signs everyone
out; the roles above viewer are for the publishing work to come).

Sessions live in memory, or in the SQLite file ``sessions_db`` names, so that a restart logs
no one out; password changes need that file too (``POST /api/password``), else an admin sets
a new hash with ``central-monitor add-user --replace``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloud_sync.monitor.errors import ConfigError
from cloud_sync.monitor.settings import MonitorSettings
from edge.auth.accounts import MAX_USERNAME, Account, Roles, User, write_users
from edge.auth.accounts import load_users as load_accounts
from edge.auth.errors import AuthConfigError
from edge.auth.passwords import hash_password
from edge.auth.persistence import MIGRATIONS, StorePasswords, StoreSessions
from edge.auth.service import Authenticator, ThrottleSettings
from edge.auth.sessions import MemoryBackend, SessionBook
from edge.auth.web import WebAuth, metrics_access, plain_user
from edge.core.store import Store

ROLES = Roles(("viewer", "officer", "admin"))
# Not the gateway's cookie name: a gateway and a centre on one host share the host's cookies.
COOKIE = "ccg_centre_session"
# Sessions are kept as a keyed digest of a random 256-bit token. A key is what lets the
# gateway keep its digests secret with its session secret; here a reader of the sessions file
# cannot turn a digest back into a token anyway, so the centre needs no secret of its own.
SESSION_KEY = b"central-monitor sessions"
HASH_COMMAND = "central-monitor hash-password"
MIN_METRICS_TOKEN = 16


def load_monitor_users(path: Path) -> dict[str, Account]:
    """The users file; :class:`ConfigError` names the key and the file when it is not usable."""
    try:
        return load_accounts(path, ROLES, hash_command=HASH_COMMAND)
    except AuthConfigError as exc:
        raise ConfigError("users_file", str(exc)) from None


def require_users(settings: MonitorSettings) -> dict[str, Account]:
    if settings.users_file is None:
        raise ConfigError(
            "users_file",
            "the dashboard needs a users file (--users FILE; make one with"
            " 'central-monitor add-user --users FILE --username NAME --role viewer')",
        )
    return load_monitor_users(settings.users_file)


def sessions_store(settings: MonitorSettings) -> Store | None:
    """The store sessions and changed passwords are kept in, unopened; None: in memory."""
    if settings.sessions_db is None:
        return None
    return Store(settings.sessions_db, [MIGRATIONS], synchronous="NORMAL")


def build_auth(
    settings: MonitorSettings,
    accounts: dict[str, Account],
    store: Store | None,
    *,
    clock: Callable[[], float] = time.time,
) -> WebAuth:
    book = SessionBook(
        StoreSessions(store) if store is not None else MemoryBackend(),
        secret=SESSION_KEY,
        max_age_s=settings.session_max_age_s,
        clock=clock,
    )
    authenticator = Authenticator(
        accounts,
        ROLES,
        book,
        ThrottleSettings(),
        passwords=StorePasswords(store) if store is not None else None,
        clock=clock,
    )
    return WebAuth(authenticator, COOKIE, settings.cookie_secure, plain_user)


def login_page(path: str) -> str:
    # Relative, so that the dashboard also works under a reverse proxy's path prefix.
    return "login"


def metrics_dependency(settings: MonitorSettings) -> Callable[..., Any]:
    token: bytes | None = None
    if settings.metrics_token_file is not None:
        try:
            token = settings.metrics_token_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                "metrics_token_file", f"cannot read {settings.metrics_token_file}: {exc.strerror}"
            ) from None
        if len(token) < MIN_METRICS_TOKEN:
            raise ConfigError(
                "metrics_token_file", f"the token must be at least {MIN_METRICS_TOKEN} bytes"
            )
    return metrics_access(public=settings.metrics_public, token=token)


class UserExistsError(ConfigError):
    def __init__(self, username: str) -> None:
        super().__init__("username", f"{username!r} is already in the users file (--replace)")


def add_user(path: Path, username: str, role: str, password: str, *, replace: bool) -> None:
    """Add (or with ``replace``, replace) a user in the users file, made if need be; the file
    is written whole and renamed into place, mode 0600."""
    if role not in ROLES.names:
        raise ConfigError("role", f"must be one of {', '.join(ROLES.names)}")
    if not username.strip() or len(username) > MAX_USERNAME:
        raise ConfigError("username", f"1 to {MAX_USERNAME} characters")
    accounts = load_monitor_users(path) if path.exists() else {}
    if username in accounts and not replace:
        raise UserExistsError(username)
    accounts[username] = Account(User(username, role), hash_password(password))
    write_users(path, list(accounts.values()))
