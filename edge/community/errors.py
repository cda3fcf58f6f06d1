"""The community package's exception family; each carries what a person needs to act."""

from __future__ import annotations

from dataclasses import dataclass


class CommunityError(Exception):
    """Base of every error of :mod:`edge.community`."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of an imported file: its line (1 = the header), the column, what is wrong."""

    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRefusedError(CommunityError):
    """A file with bad rows: nothing of it was imported. ``problems`` names each bad row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"nothing imported: {len(problems)} problem(s): {shown}{more}")


class NotFoundError(CommunityError):
    """What was asked for is not there; the message says what (``no household 12``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(CommunityError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotConfiguredError(CommunityError):
    """A feature that needs a setting (a signing key, a font) which the gateway lacks."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"community.{key}: {reason}")
        self.key = key
        self.reason = reason
