"""Who is at the gate, as far as the lanes need to know: the household context of the person
scanned, the staff on duty at a lane, and the decisions the household registry counts.

The checkpoint does not know households or shifts; whatever knows them (the community's
registry, :mod:`edge.community`) implements :class:`PeopleDesk` and is handed to the lanes.
Every call is made on the event loop while a lane decides, so each must answer from memory.
"""

from __future__ import annotations

from typing import Protocol

from edge.checkpoint.queries import NewScreening
from edge.rules.household import HouseholdContext


class PeopleDesk(Protocol):
    def context(
        self, subject: str | None, lane: str, direction: str, now: float
    ) -> HouseholdContext | None:
        """The household context of ``subject`` (a pass's resident id), None when unknown."""
        ...

    def on_duty(self, lane: str) -> str | None:
        """The staff signed in to ``lane`` (comma-separated user names), None: nobody."""
        ...

    def decided(
        self, record: NewScreening, direction: str, context: HouseholdContext | None
    ) -> None:
        """A decision was made on a lane (count an exit, note a return)."""
        ...


class NobodyKnown:
    """The lanes' desk when the gateway keeps no household registry and no shifts."""

    def context(
        self, subject: str | None, lane: str, direction: str, now: float
    ) -> HouseholdContext | None:
        return None

    def on_duty(self, lane: str) -> str | None:
        return None

    def decided(
        self, record: NewScreening, direction: str, context: HouseholdContext | None
    ) -> None:
        return None
