"""What the storeroom shows: read models for the page and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ItemView:
    key: str
    name: str
    unit: str
    shelf: str | None
    on_hand: float | None
    on_order: float
    projected: float | None
    daily_use: float | None
    days_of_supply: float | None
    reorder_point: float | None
    lead_time_days: float
    days_of_data: int
    status: str  # "ok", "low", "critical", "out", "unknown"
    sensor_state: str | None  # the shelf's state, for a stale-looking count


@dataclass(frozen=True, slots=True)
class SensorView:
    key: str
    kind: str  # "shelf" or "climate"
    source: str  # "modbus" or "mqtt"
    state: str  # "starting", "ok", "fault"
    reason: str
    since: float
    last_at: float | None
    value: float | None  # kg, or °C
    humidity: float | None
    rejected: dict[str, int]
    readings: int
