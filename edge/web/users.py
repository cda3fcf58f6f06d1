"""Staff accounts (a TOML or JSON file) and the session secret, loaded once at start-up."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from edge.web.errors import WebConfigError
from edge.web.passwords import is_password_hash
from edge.web.settings import WebSettings

Role = Literal["staff", "supervisor"]
ROLES: tuple[Role, ...] = ("staff", "supervisor")
MIN_SECRET_BYTES = 16


@dataclass(frozen=True, slots=True)
class User:
    """Who is logged in. Staff can look; a supervisor can also override and reload."""

    username: str
    role: Role

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True, slots=True)
class Account:
    user: User
    password_hash: str


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = f"cannot read: {exc.strerror or exc}"
        raise WebConfigError("web.users_file", problem, path) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise WebConfigError("web.users_file", f"not valid: {exc}", path) from None


def load_users(path: Path) -> dict[str, Account]:
    """``[[users]]`` entries (or a JSON list, or ``{"users": [...]}``) with username, role and
    password_hash (made by ``edge-gateway hash-password``)."""
    data = _read(path)
    entries = data.get("users") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise WebConfigError("users", "no users: add [[users]] entries", path)
    accounts: dict[str, Account] = {}
    for i, entry in enumerate(entries):
        key = f"users[{i}]"
        if not isinstance(entry, dict):
            raise WebConfigError(key, "must be a table with username, role, password_hash", path)
        username, role = entry.get("username"), entry.get("role")
        hashed = entry.get("password_hash")
        if not isinstance(username, str) or not username.strip():
            raise WebConfigError(f"{key}.username", "missing or empty", path)
        if role not in ROLES:
            raise WebConfigError(f"{key}.role", f"must be one of {', '.join(ROLES)}", path)
        if not isinstance(hashed, str) or not is_password_hash(hashed):
            raise WebConfigError(
                f"{key}.password_hash",
                "missing or not a scrypt hash (make one with 'edge-gateway hash-password')",
                path,
            )
        if username in accounts:
            raise WebConfigError(f"{key}.username", f"{username!r} appears twice", path)
        accounts[username] = Account(User(username, role), hashed)
    return accounts


def load_session_secret(settings: WebSettings, environ: Mapping[str, str] = os.environ) -> bytes:
    """The key that signs session cookies, from the file or the environment variable named."""
    if settings.session_secret_file is not None:
        path = settings.session_secret_file
        try:
            secret = path.read_bytes().strip()
        except OSError as exc:
            raise WebConfigError(
                "web.session_secret_file", f"cannot read: {exc.strerror or exc}", path
            ) from None
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


def require_users_file(settings: WebSettings) -> Path:
    if settings.users_file is None:
        raise WebConfigError("web.users_file", "no staff accounts: set web.users_file")
    return settings.users_file
