"""What the storeroom shows: read models for the page and the JSON API, built from memory."""

from __future__ import annotations

from dataclasses import dataclass

from edge.storeroom import messages
from edge.storeroom.ledger import ItemStock
from edge.storeroom.sensor_health import SensorHealth


@dataclass(frozen=True, slots=True)
class ItemView:
    key: str
    name: str
    unit: str
    shelf: str | None
    on_hand: float | None  # while ``stale``, the last good count
    on_order: float
    projected: float | None
    daily_use: float | None
    days_of_supply: float | None
    reorder_point: float | None
    lead_time_days: float
    days_of_data: int
    status: str  # "ok", "low", "critical", "out", "unknown", "stale"
    status_text: str  # the status in words
    stale: bool  # the shelf's sensor is faulty: ``on_hand`` is its last good count
    sensor_state: str | None  # the shelf's state: "starting", "ok", "fault"


@dataclass(frozen=True, slots=True)
class SensorView:
    key: str
    kind: str  # "shelf" or "climate"
    source: str  # "modbus" or "mqtt"
    state: str  # "starting", "ok", "fault"
    state_text: str  # the state in words
    reason: str
    since: float
    last_at: float | None
    value: float | None  # kg, or °C
    humidity: float | None
    rejected: dict[str, int]
    readings: int


@dataclass(frozen=True, slots=True)
class StockFigure:
    key: str
    on_hand: float | None
    days_of_supply: float | None


def item_view(stock: ItemStock, status: str, shelf: SensorHealth | None) -> ItemView:
    item, fc = stock.settings, stock.forecast
    return ItemView(
        key=item.key,
        name=stock.name,
        unit=item.unit,
        shelf=item.shelf,
        on_hand=stock.on_hand,
        on_order=stock.on_order,
        projected=stock.projected,
        daily_use=fc.daily_use,
        days_of_supply=fc.days_of_supply,
        reorder_point=fc.reorder_point,
        lead_time_days=item.lead_time_days,
        days_of_data=fc.days_of_data,
        status=status,
        status_text=messages.ITEM_STATUSES[status],
        stale=shelf is not None and shelf.faulty and stock.on_hand is not None,
        sensor_state=shelf.state if shelf else None,
    )


def sensor_view(s: SensorHealth) -> SensorView:
    return SensorView(
        key=s.key,
        kind=s.kind,
        source=s.source,
        state=s.state,
        state_text=messages.SENSOR_STATES[s.state],
        reason=s.reason,
        since=s.since,
        last_at=s.last_at,
        value=s.value,
        humidity=s.humidity,
        rejected=dict(s.rejected),
        readings=s.readings,
    )
