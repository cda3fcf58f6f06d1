"""Accounts from a users file (TOML or JSON), loaded once at start-up, and writing one.

Each application has its own ordered set of roles, lowest first, where each role may do what
the roles before it may: the gateway's ``staff`` < ``supervisor``; the centre's ``viewer`` <
``officer`` < ``admin``.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.auth.errors import AuthConfigError
from edge.auth.passwords import is_password_hash

MAX_USERNAME = 100


@dataclass(frozen=True, slots=True)
class User:
    """Who is logged in, and as what."""

    username: str
    role: str


@dataclass(frozen=True, slots=True)
class Account:
    user: User
    password_hash: str


@dataclass(frozen=True, slots=True)
class Roles:
    """An application's roles, lowest first."""

    names: tuple[str, ...]

    def allows(self, role: str, minimum: str) -> bool:
        """True when ``role`` may do what ``minimum`` may."""
        return role in self.names and self.names.index(role) >= self.names.index(minimum)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuthConfigError("users_file", "no such file", path) from None
    except OSError as exc:
        raise AuthConfigError("users_file", f"cannot read: {exc.strerror or exc}", path) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise AuthConfigError("users_file", f"not valid: {exc}", path) from None


def load_users(path: Path, roles: Roles, *, hash_command: str) -> dict[str, Account]:
    """``[[users]]`` entries (or a JSON list, or ``{"users": [...]}``) with username, role and
    password_hash; ``hash_command`` is named in the message when a hash is missing."""
    data = _read(path)
    entries = data.get("users") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise AuthConfigError("users", "no users: add [[users]] entries", path)
    accounts: dict[str, Account] = {}
    for i, entry in enumerate(entries):
        key = f"users[{i}]"
        if not isinstance(entry, dict):
            raise AuthConfigError(key, "must be a table with username, role, password_hash", path)
        username, role = entry.get("username"), entry.get("role")
        hashed = entry.get("password_hash")
        if not isinstance(username, str) or not username.strip():
            raise AuthConfigError(f"{key}.username", "missing or empty", path)
        if len(username) > MAX_USERNAME:
            raise AuthConfigError(f"{key}.username", f"longer than {MAX_USERNAME} characters", path)
        if role not in roles.names:
            raise AuthConfigError(f"{key}.role", f"must be one of {', '.join(roles.names)}", path)
        if not isinstance(hashed, str) or not is_password_hash(hashed):
            raise AuthConfigError(
                f"{key}.password_hash",
                f"missing or not a scrypt hash (make one with '{hash_command}')",
                path,
            )
        if username in accounts:
            raise AuthConfigError(f"{key}.username", f"{username!r} appears twice", path)
        accounts[username] = Account(User(username, role), hashed)
    return accounts


def _toml_string(text: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(text, ensure_ascii=False)


def write_users(path: Path, accounts: list[Account]) -> None:
    """Write a TOML users file atomically (a temporary file renamed over it), mode 0600."""
    lines = []
    for account in accounts:
        lines.append(
            "[[users]]\n"
            f"username = {_toml_string(account.user.username)}\n"
            f"role = {_toml_string(account.user.role)}\n"
            f"password_hash = {_toml_string(account.password_hash)}\n"
        )
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(lines))
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(0o600)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
