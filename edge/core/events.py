"""What the gateway tells its parts (web page, uplink, storeroom) has happened.

These travel on the in-process :class:`edge.core.bus.Bus`. They are notifications: the store
is the source of truth, so a part that needs every record (the uplink's aggregates, say) reads
the store and uses these only as a prompt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
    screening_id: int
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


GatewayEvent = (
    ScreeningPending
    | ScreeningDecided
    | DecisionOverridden
    | DeviceStatus
    | DeviceInputRejected
    | AlertChanged
    | StockChanged
    | PolicyChanged
)
