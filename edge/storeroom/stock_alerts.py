"""OUT, LOW and CRITICAL: an item's stock against zero, its reorder point and its lead time.

Each condition reports a trigger with hysteresis (see
:func:`~edge.storeroom.alerts.threshold_trigger`) and :class:`~edge.storeroom.alerting.Alerting`
runs it through the life-cycle table.

A faulty shelf's readings never reach the ledger (see :mod:`edge.storeroom.intake`), so they
never move a count and never open a stock alert.
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

    def status(self, stock: ItemStock) -> str:
        """``ItemView.status``: "unknown", the worst open stock alert, or "ok"."""
        if stock.on_hand is None:
            return "unknown"
        worst = self._alerting.worst_stock_alert(stock.key)
        return "ok" if worst is None else str(worst)

    def evaluate(self, stock: ItemStock, now: float) -> None:
        on_hand = stock.on_hand
        if on_hand is None:
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

    def acknowledge(self, stock: ItemStock, now: float, user: str | None) -> None:
        """An order answers every stock alert of the item: none of them should keep reminding."""
        for kind in STOCK_KINDS:
            self._alerting.apply(kind, stock.key, Trigger.ACK, now, user=user)
