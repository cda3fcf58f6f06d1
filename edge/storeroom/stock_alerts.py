"""OUT, LOW and CRITICAL: an item's stock against zero, its reorder point and its lead time.

Each condition reports a trigger with hysteresis (see
:func:`~edge.storeroom.alerts.threshold_trigger`) and :class:`~edge.storeroom.alerting.Alerting`
runs it through the life-cycle table.

A faulty shelf says nothing about stock. While an item's shelf is faulty its count stays at
the last good one (shown as stale), no stock alert opens or resolves, and once the fault is
an alert of its own the item's stock alerts are withdrawn: a keeper sees "sensor fault", never
"sensor fault" and "out of stock" for one shelf. When the shelf reads again the item is
evaluated afresh.
"""

from __future__ import annotations

from collections.abc import Mapping

from edge.storeroom import messages
from edge.storeroom.alerting import STOCK_KINDS, Alerting
from edge.storeroom.alerts import AlertKind, Trigger, threshold_trigger
from edge.storeroom.ledger import ItemStock
from edge.storeroom.sensor_health import SensorHealth
from edge.storeroom.settings import AlertSettings


class StockAlerts:
    def __init__(
        self, alerting: Alerting, settings: AlertSettings, sensors: Mapping[str, SensorHealth]
    ) -> None:
        self._alerting = alerting
        self._hysteresis = settings.hysteresis
        self._sensors = sensors

    def shelf_faulty(self, stock: ItemStock) -> bool:
        shelf = stock.settings.shelf
        sensor = self._sensors.get(shelf) if shelf is not None else None
        return sensor is not None and sensor.faulty

    def status(self, stock: ItemStock) -> str:
        """``ItemView.status``: "unknown", "stale", the worst open stock alert, or "ok"."""
        if stock.on_hand is None:
            return "unknown"
        if self.shelf_faulty(stock):
            return "stale"
        worst = self._alerting.worst_stock_alert(stock.key)
        return "ok" if worst is None else str(worst)

    def evaluate(self, stock: ItemStock, now: float) -> None:
        on_hand = stock.on_hand
        if on_hand is None or self.shelf_faulty(stock):
            return
        item, fc, apply = stock.settings, stock.forecast, self._alerting.apply
        name, h = stock.name, self._hysteresis
        apply(
            AlertKind.OUT,
            item.key,
            threshold_trigger(on_hand, 0.0, 0.5),
            now,
            messages.none_left(name),
        )
        projected = on_hand + stock.on_order
        rop = fc.reorder_point
        if rop is not None:
            apply(
                AlertKind.LOW,
                item.key,
                threshold_trigger(projected, rop, rop + max(h * rop, 1.0)),
                now,
                messages.below_reorder_point(name, on_hand, item.unit, projected, rop),
            )
        dos, lead = fc.days_of_supply, item.lead_time_days
        trigger = None
        if dos is None:
            trigger = Trigger.CLEAR
        elif dos < lead:
            trigger = Trigger.RAISE
        elif dos >= lead * (1 + h):
            trigger = Trigger.CLEAR
        apply(
            AlertKind.CRITICAL,
            item.key,
            trigger,
            now,
            messages.short_of_lead_time(name, on_hand, item.unit, dos, lead),
        )

    def withdraw(self, stock: ItemStock, now: float) -> None:
        """The item's shelf is confirmed faulty: its stock alerts no longer stand."""
        shelf = stock.settings.shelf or ""
        message = messages.stock_alert_withdrawn(
            stock.name, shelf, stock.on_hand or 0.0, stock.settings.unit
        )
        for kind in STOCK_KINDS:
            self._alerting.apply(kind, stock.key, Trigger.CLEAR, now, message)

    def acknowledge(self, stock: ItemStock, now: float, user: str | None) -> None:
        """An order answers every stock alert of the item: none of them should keep reminding."""
        for kind in STOCK_KINDS:
            self._alerting.apply(kind, stock.key, Trigger.ACK, now, user=user)
