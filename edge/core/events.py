"""What the gateway tells its parts (web page, uplink, storeroom) has happened.

These travel on the in-process :class:`edge.core.bus.Bus`. They are notifications: the store
is the source of truth, so a part that needs every record (the uplink's aggregates, say) reads
the store and uses these only as a prompt.

A screening is announced twice: :class:`ScreeningDecided` the moment the lane decides (the page
shows it at once, whatever the storage's speed), then :class:`ScreeningRecorded` when its row is
committed, or :class:`ScreeningNotRecorded` when the storage cannot take it (it is kept in memory
and recorded when the storage is back, and the page says so meanwhile).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Outcome(enum.StrEnum):
    ADMIT = "ADMIT"
    DENY = "DENY"
    RECHECK = "RECHECK"


@dataclass(frozen=True, slots=True)
class ScreeningPending:
    """Half of a screening arrived (a scan or a reading); the lane waits for the other half."""

    lane: str
    at: float
    waiting_for: str  # "temperature" or "code"
    temperature: float | None = None
    code_type: str | None = None


@dataclass(frozen=True, slots=True)
class ScreeningDecided:
    key: str  # the decision's own id, from the moment it is made (before it is recorded)
    lane: str
    at: float  # epoch seconds
    outcome: Outcome
    reason: str  # plain words for the page: "fever 37.8 °C"
    rule: str  # the policy rule that fired: "fever"
    temperature: float | None
    code_type: str | None
    code_status: str | None
    complete: bool  # False: a lone scan or reading that timed out


@dataclass(frozen=True, slots=True)
class ScreeningRecorded:
    """The decision ``key`` is committed as screening ``screening_id`` (it can be overridden)."""

    key: str
    screening_id: int
    lane: str
    at: float  # when it was decided


@dataclass(frozen=True, slots=True)
class ScreeningNotRecorded:
    """The storage could not take decision ``key``; ``kept``: it waits in memory for a retry."""

    key: str
    lane: str
    reason: str
    kept: bool


@dataclass(frozen=True, slots=True)
class StorageStatus:
    """Whether the gateway's storage can record; what is wrong and what to do, in words."""

    ok: bool
    problem: str | None  # "full", "read-only", "io-error", "cannot-open"
    what: str
    advice: str
    path: str
    unrecorded: int  # decisions shown but waiting in memory to be recorded
    at: float


@dataclass(frozen=True, slots=True)
class DecisionOverridden:
    screening_id: int
    lane: str
    at: float
    user: str
    before: Outcome
    after: Outcome
    reason: str


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    device: str
    kind: str  # "thermometer", "scanner", "camera", "shelf", "climate"
    state: str  # "connected", "silent", "unplugged", "fault"
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class DeviceInputRejected:
    """Input a device sent that could not be used; on a lane, the page says "scan again"."""

    device: str
    reason: str
    at: float
    lane: str | None = None
    notice: str = ""  # what the lane's staff should do: "unreadable code: scan again"


@dataclass(frozen=True, slots=True)
class AlertChanged:
    alert_id: str
    kind: str  # "low", "critical", "out", "climate", "sensor-fault", ...
    subject: str  # the item, shelf or sensor
    severity: str  # "info", "warning", "critical"
    state: str  # "open", "acknowledged", "resolved"
    message: str
    at: float


@dataclass(frozen=True, slots=True)
class StockChanged:
    item: str
    on_hand: float
    unit: str
    days_of_supply: float | None
    reorder_point: float | None
    at: float


@dataclass(frozen=True, slots=True)
class PolicyChanged:
    source: str  # "file", "api", "central"
    version: str
    at: float


@dataclass(frozen=True, slots=True)
class LaneStaffing:
    """Whether a lane has staff signed in, and whether its devices are working."""

    lane: str
    direction: str  # "in", "out", "both"
    staffed: bool
    active: bool
    staff: int  # how many are signed in
    at: float


@dataclass(frozen=True, slots=True)
class DailyFigures:
    """A day's counts at the gates (no personal data): the daily report for the centre."""

    day: str  # the gateway's local date, "2026-11-30"
    figures: Mapping[str, Any]
    at: float


GatewayEvent = (
    ScreeningPending
    | ScreeningDecided
    | ScreeningRecorded
    | ScreeningNotRecorded
    | StorageStatus
    | DecisionOverridden
    | DeviceStatus
    | DeviceInputRejected
    | AlertChanged
    | StockChanged
    | PolicyChanged
    | LaneStaffing
    | DailyFigures
)
