"""Why a distributed item was refused: a short category for people and metrics, and words.

The gateway acknowledges every refusal to the centre with both, and keeps what it had.
"""

from __future__ import annotations

import enum


class Refusal(enum.StrEnum):
    DAMAGED = "damaged"  # not a well-formed item: truncated, cut, not JSON, ...
    FORGED = "forged"  # the signature does not verify
    UNKNOWN_KEY = "unknown-key"  # signed by a key this gateway does not trust
    TOO_LARGE = "too-large"  # beyond the size limit of its kind
    OUT_OF_SCOPE = "out-of-scope"  # not for this gateway, or not for the topic it came on
    OLDER = "older"  # a version older than the one held (replayed?)
    CONTENT = "content"  # signed and in order, but its content is not usable
    NOT_APPLIED = "not-applied"  # the part it is for could not take it


class ItemRefusedError(Exception):
    """An item that is not applied: ``refusal`` is the category, ``reason`` the words."""

    def __init__(self, refusal: Refusal, reason: str) -> None:
        super().__init__(f"{refusal}: {reason}")
        self.refusal = refusal
        self.reason = reason

    @property
    def words(self) -> str:
        """What the centre shows: category and reason in one line."""
        return f"{self.refusal.value}: {self.reason}"


class ContentError(ValueError):
    """Content that does not follow its kind's form; the text says where and why."""
