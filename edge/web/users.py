"""Staff accounts (a TOML or JSON file) and the session secret, loaded once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from edge.auth.accounts import Account, Roles, User
from edge.auth.accounts import load_users as load_accounts
from edge.auth.errors import AuthConfigError
from edge.web.errors import WebConfigError
from edge.web.settings import WebSettings

ROLES = Roles(("staff", "supervisor"))
MIN_SECRET_BYTES = 16
MIN_METRICS_TOKEN = 16

__all__ = ["ROLES", "Account", "User", "load_session_secret", "load_users"]


def load_users(path: Path) -> dict[str, Account]:
    """``[[users]]`` entries (or a JSON list, or ``{"users": [...]}``) with username, role
    (staff or supervisor) and password_hash (made by ``edge-gateway hash-password``)."""
    try:
        return load_accounts(path, ROLES, hash_command="edge-gateway hash-password")
    except AuthConfigError as exc:
        key = "web.users_file" if exc.key == "users_file" else exc.key
        raise WebConfigError(key, exc.problem, exc.path) from None


def _read_secret(key: str, path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except OSError as exc:
        raise WebConfigError(key, f"cannot read: {exc.strerror or exc}", path) from None


def load_session_secret(settings: WebSettings, environ: Mapping[str, str] = os.environ) -> bytes:
    """The key sessions are kept by, from the file or the environment variable named."""
    if settings.session_secret_file is not None:
        path = settings.session_secret_file
        secret = _read_secret("web.session_secret_file", path)
        key, where = "web.session_secret_file", path
    elif settings.session_secret_env is not None:
        secret = environ.get(settings.session_secret_env, "").strip().encode("utf-8")
        key, where = "web.session_secret_env", None
        if not secret:
            raise WebConfigError(
                key, f"environment variable {settings.session_secret_env} is not set"
            )
    else:
        raise WebConfigError(
            "web.session_secret_file",
            "no session secret: set web.session_secret_file (or web.session_secret_env)",
        )
    if len(secret) < MIN_SECRET_BYTES:
        raise WebConfigError(key, f"the secret must be at least {MIN_SECRET_BYTES} bytes", where)
    return secret


def load_metrics_token(settings: WebSettings) -> bytes | None:
    """The scrape token for ``/metrics``, if one is configured."""
    if settings.metrics_token_file is None:
        return None
    key, path = "web.metrics_token_file", settings.metrics_token_file
    token = _read_secret(key, path)
    if len(token) < MIN_METRICS_TOKEN:
        raise WebConfigError(key, f"the token must be at least {MIN_METRICS_TOKEN} bytes", path)
    return token


def require_users_file(settings: WebSettings) -> Path:
    if settings.users_file is None:
        raise WebConfigError("web.users_file", "no staff accounts: set web.users_file")
    return settings.users_file
