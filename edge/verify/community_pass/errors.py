"""The community-pass exception family.

These are raised only by the set-up side (loading keys, loading or replacing a status list,
issuing a pass). Verifying a scanned code never raises: it returns a verdict.
"""

from __future__ import annotations

from pathlib import Path

from edge.crypto.jws import JwsError


class CommunityPassError(Exception):
    """Base of every community-pass error."""


class KeyFileError(CommunityPassError):
    """A key file (PEM, JWKS) that cannot be used; ``path`` names it, ``reason`` says why."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path is not None else reason)


class StatusListError(CommunityPassError):
    """A status list that cannot be used; the previous list (if any) stays in force."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path is not None else reason)


class IssueError(CommunityPassError):
    """A pass that cannot be issued with the arguments given; ``field`` names the argument."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class TokenFormatError(CommunityPassError, JwsError):
    """A pass text that is not a well-formed pass; ``part`` is where it broke. A malformed JWS
    inside raises :class:`edge.crypto.jws.JwsError`, which this extends: catch that."""
