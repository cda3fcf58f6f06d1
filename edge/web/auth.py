"""The gateway's login: staff and supervisors, on :mod:`edge.auth`.

Sessions are kept on the server (in the gateway's SQLite when the gateway runs, see
:mod:`edge.auth.persistence`), so logging out, a password change and a supervisor's "sign out
everyone" end them at once. Other routers take :func:`require_user` and
:func:`require_supervisor` as their dependencies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends

from edge.auth.accounts import Account, User
from edge.auth.persistence import MemoryPasswords, StorePasswords, StoreSessions
from edge.auth.service import Authenticator, ThrottleSettings
from edge.auth.sessions import MemoryBackend, SessionBook
from edge.auth.web import (
    CurrentUser,
    OptionalUser,
    WebAuth,
    metrics_access,
    next_param,
    require_role,
    require_user,
)
from edge.core.store import Store
from edge.web.settings import WebSettings
from edge.web.users import ROLES, load_metrics_token

COOKIE = "ccg_session"

__all__ = [
    "COOKIE",
    "CurrentUser",
    "OptionalUser",
    "Supervisor",
    "build_auth",
    "describe",
    "login_page",
    "metrics_dependency",
    "require_supervisor",
    "require_user",
]

require_supervisor = require_role("supervisor")
Supervisor = Annotated[User, Depends(require_supervisor)]


def describe(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "supervisor": user.role == "supervisor"}


def login_page(path: str) -> str:
    """Where a page sends someone who is not logged in: the checkpoint page's login form,
    which brings them back to ``path`` afterwards."""
    return f"/?next={next_param(path)}"


def build_auth(
    settings: WebSettings,
    accounts: dict[str, Account],
    secret: bytes,
    *,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
) -> WebAuth:
    """Sessions and changed passwords in ``store`` (which must carry
    :data:`edge.auth.persistence.MIGRATIONS`); in memory only without one."""
    book = SessionBook(
        StoreSessions(store) if store is not None else MemoryBackend(),
        secret=secret,
        max_age_s=settings.session_max_age_s,
        clock=clock,
    )
    authenticator = Authenticator(
        accounts,
        ROLES,
        book,
        ThrottleSettings(
            account_attempts=settings.login_attempts,
            account_period_s=settings.lockout_s,
            client_attempts=settings.client_login_attempts,
            client_period_s=settings.client_lockout_s,
        ),
        passwords=StorePasswords(store) if store is not None else MemoryPasswords(),
        clock=clock,
    )
    return WebAuth(authenticator, COOKIE, settings.cookie_secure, describe)


def metrics_dependency(settings: WebSettings) -> Callable[..., Any]:
    return metrics_access(public=settings.metrics_public, token=load_metrics_token(settings))
