"""What the checkpoint offers the local web app: read models and actions.

The web layer depends on :class:`CheckpointService` and these views only. Reads that touch the
disk are coroutines that run on the store's reader threads; what the page needs at once (lanes,
today's counts, devices, the policy) is kept in memory as decisions are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from edge.core.bus import Bus
from edge.core.events import Outcome, StorageStatus


class ServiceError(Exception):
    """Base of the errors the service raises to its callers."""


class ScreeningNotFoundError(ServiceError):
    def __init__(self, screening_id: int) -> None:
        super().__init__(f"no screening {screening_id}")
        self.screening_id = screening_id


class InvalidRequestError(ServiceError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ScreeningView:
    id: int
    key: str  # the decision's own id (as in ScreeningDecided)
    lane: str
    decided_at: float  # epoch seconds
    outcome: Outcome  # the outcome in force (after any override)
    decided_outcome: Outcome  # what the policy decided
    reason: str
    rule: str
    temperature: float | None
    code_type: str | None
    code_status: str | None
    complete: bool
    override_user: str | None = None
    override_reason: str | None = None
    on_duty: str | None = None  # the staff signed in to the lane when it decided


@dataclass(frozen=True, slots=True)
class DeviceView:
    id: str
    lane: str | None
    kind: str  # "thermometer", "scanner", "camera", ...
    transport: str  # "serial", "mqtt", "camera"
    state: str  # "connected", "silent", "unplugged", "starting"
    reason: str
    since: float
    rejected: dict[str, int]  # counts of rejected input by reason


@dataclass(frozen=True, slots=True)
class LaneView:
    id: str
    name: str
    waiting_for: str | None  # "temperature", "code" or None when idle
    counts_today: dict[str, int]  # "ADMIT", "DENY", "RECHECK", "total"
    direction: str = "both"  # "in", "out" or "both"


class CheckpointService(Protocol):
    @property
    def bus(self) -> Bus: ...

    def lanes(self) -> list[LaneView]:
        """Each lane, what it waits for and today's counts (from memory, no disk read)."""
        ...

    async def list_screenings(
        self, *, lane: str | None = None, limit: int = 50, before_id: int | None = None
    ) -> list[ScreeningView]: ...

    async def get_screening(self, screening_id: int) -> ScreeningView:
        """Raises :class:`ScreeningNotFoundError`."""
        ...

    async def override(
        self, screening_id: int, *, user: str, outcome: Outcome, reason: str
    ) -> ScreeningView:
        """Record a supervisor's override (audited: who, when, why, before, after).

        Raises :class:`ScreeningNotFoundError`, or :class:`InvalidRequestError` for an empty
        reason or an outcome equal to the one in force.
        """
        ...

    async def overrides(self, screening_id: int | None = None) -> list[dict[str, Any]]:
        """The override audit trail, newest first."""
        ...

    def devices(self) -> list[DeviceView]: ...

    def storage_status(self) -> StorageStatus:
        """Whether decisions are being recorded, and how many wait in memory (no disk read)."""
        ...

    def policy(self) -> dict[str, Any]:
        """The admission policy in force, as plain data (with its version and source)."""
        ...

    async def reload_policy(self) -> dict[str, Any]:
        """Re-read the policy file; raises :class:`InvalidRequestError` naming the bad key."""
        ...
