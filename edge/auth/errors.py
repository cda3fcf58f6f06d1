"""The exception family of :mod:`edge.auth`."""

from __future__ import annotations

from pathlib import Path


class AuthError(Exception):
    """Base of the errors :mod:`edge.auth` raises."""


class AuthConfigError(AuthError):
    """A users file or secret cannot be used: names the key and, if any, the file."""

    def __init__(self, key: str, problem: str, path: Path | None = None) -> None:
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{key}: {problem}")
        self.key = key
        self.problem = problem
        self.path = path


class TooManyAttemptsError(AuthError):
    """A login refused unchecked: this client, or this account from an unknown client, has
    failed too often lately. ``retry_after_s`` is when one more attempt will be allowed."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after_s:.0f} s")
        self.retry_after_s = retry_after_s


class PasswordChangeError(AuthError):
    """A password change refused; ``reason`` says why in words for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
