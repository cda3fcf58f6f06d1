"""The storeroom service: puts the parts together and offers the page its reads and actions.

The parts, each in its own module:

- :mod:`~edge.storeroom.intake`: device events in (the hot path), sensor health
  (:mod:`~edge.storeroom.sensor_health`, a table), climate (:mod:`~edge.storeroom.climate`);
- :mod:`~edge.storeroom.ledger`: stock, daily use and forecast per item;
- :mod:`~edge.storeroom.stock_alerts` and :mod:`~edge.storeroom.alerting`: alert conditions
  and where alert changes go;
- :mod:`~edge.storeroom.devices`: the Modbus pollers and the MQTT link.

Everything runs on the event loop. The page's reads come from memory (items, sensors, open
alerts) or from the store's reader threads (history, trend); nothing reads the disk on the
loop, and the start-up load reads off it too (:meth:`StoreroomService.start`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from edge.core.bus import Bus
from edge.core.store import Store
from edge.storeroom import messages, records
from edge.storeroom.alerting import Alerting
from edge.storeroom.alerts import Alert, Trigger
from edge.storeroom.devices import StoreroomDevices
from edge.storeroom.errors import InvalidInputError, UnknownAlertError
from edge.storeroom.intake import SensorIntake, sensor_records
from edge.storeroom.ledger import DAY, StockLedger, day_of
from edge.storeroom.mqtt_link import ShelfRouter
from edge.storeroom.settings import StoreroomSettings
from edge.storeroom.stock_alerts import StockAlerts
from edge.storeroom.views import ItemView, SensorView, StockFigure, item_view, sensor_view
from edge.storeroom.writer import BackgroundWriter
from firmware_interfaces.events import DeviceEvent

Clock = Callable[[], float]


class StoreroomService:
    def __init__(
        self,
        settings: StoreroomSettings,
        store: Store,
        bus: Bus,
        *,
        clock: Clock = time.time,
        mqtt_client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        now = clock()
        self._writer = BackgroundWriter(store)
        self._sensors = sensor_records(settings, now)
        self.alerting = Alerting(self._writer, bus)
        self.ledger = StockLedger(settings.items, settings.forecast, self._writer, bus)
        self.stock_alerts = StockAlerts(self.alerting, settings.alerts, self._sensors)
        self.intake = SensorIntake(
            settings,
            self._sensors,
            ledger=self.ledger,
            stock_alerts=self.stock_alerts,
            alerting=self.alerting,
            write=self._writer,
            bus=bus,
            clock=clock,
        )
        self.devices = StoreroomDevices(settings, self.intake.handle, mqtt_client_factory)
        self.alerting.notify = self.devices.notify
        self._day = day_of(now)
        self._loaded = False

    # -- start-up and running --------------------------------------------------------------
    async def start(self) -> None:
        """Restore stock, open alerts and usage history, read off the event loop (once)."""
        if self._loaded:
            return
        since = self.ledger.history_since(self.clock())
        snapshot = await self.store.read(lambda db: records.load_snapshot(db, since))
        self._restore(snapshot)

    def load(self) -> None:
        """:meth:`start` for code that runs outside any event loop (a thread, a tool)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("on the event loop: await StoreroomService.start() instead")
        if self._loaded:
            return
        since = self.ledger.history_since(self.clock())
        self._restore(self.store.read_sync(lambda db: records.load_snapshot(db, since)))

    def _restore(self, snapshot: records.Snapshot) -> None:
        if self._loaded:  # two starts raced: the first one's state stands
            return
        self._loaded = True
        self.alerting.restore(snapshot.open_alerts, snapshot.episodes)
        self.ledger.restore(snapshot, self.clock())

    async def run(self) -> None:
        """Load, then run the pollers, the MQTT link and the tick until cancelled."""
        await self.start()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._tick_loop(), name="storeroom:tick")
            tg.create_task(self.devices.run(), name="storeroom:devices")

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick_seconds)
            self.tick()

    def handle(self, key: str, event: DeviceEvent) -> None:
        """Take one event from a device transport; unknown or bad input never raises."""
        self.intake.handle(key, event)

    def tick(self) -> None:
        """Time-driven checks: silent sensors, delays, re-notifying, the change of day."""
        now = self.clock()
        self.intake.check(now)
        self.alerting.renotify(now, self.settings.alerts.renotify_seconds)
        today = day_of(now)
        if today != self._day:
            self._day = today
            self.ledger.new_day(now)
            for stock in self.ledger:
                self.stock_alerts.evaluate(stock, now)

    # -- actions from the page -------------------------------------------------------------
    async def acknowledge(self, alert_id: str, user: str | None) -> Alert:
        alert = self.alerting.by_id(alert_id)
        if alert is None:
            raise UnknownAlertError(alert_id)
        changed = self.alerting.apply(
            alert.kind, alert.subject, Trigger.ACK, self.clock(), user=user
        )
        await self._writer.flushed()  # the ack has reached the disk before we say so
        return changed or alert

    async def record_order(
        self,
        item: str,
        quantity: float,
        user: str | None,
        *,
        alert_id: str | None = None,
        note: str = "",
    ) -> ItemView:
        """An order placed with the supplier: counts toward projected stock until delivered."""
        stock = self.ledger[item]
        if not quantity > 0:
            raise InvalidInputError(messages.ORDER_NEEDS_QUANTITY)
        now = self.clock()
        row = {"item": item, "at": now, "quantity": quantity, "user": user}
        await self.store.write(
            records.add_row("storeroom_orders", row | {"alert_id": alert_id, "note": note})
        )
        self.ledger.add_order(stock, quantity, now)
        # ``alert_id`` is only a reference (the alert may have resolved since the page loaded).
        self.stock_alerts.acknowledge(stock, now, user)
        self.stock_alerts.evaluate(stock, now)
        return self.item_view(item)

    async def record_delivery(
        self, item: str, quantity: float, user: str | None, *, note: str = ""
    ) -> ItemView:
        """Goods received: they settle open orders; hand-counted items also gain stock."""
        stock = self.ledger[item]
        if not quantity > 0:
            raise InvalidInputError(messages.DELIVERY_NEEDS_QUANTITY)
        now = self.clock()
        row = {"item": item, "at": now, "quantity": quantity, "user": user, "note": note}
        await self.store.write(records.add_row("storeroom_deliveries", row))
        self.ledger.receive(stock, quantity, now)
        self.stock_alerts.evaluate(stock, now)
        return self.item_view(item)

    async def record_count(
        self, item: str, count: float, user: str | None, *, note: str = ""
    ) -> ItemView:
        """A manual count: the truth. On a weighed shelf it re-zeroes the weight-to-count map."""
        stock = self.ledger[item]
        if not count >= 0 or count != int(count):
            raise InvalidInputError(messages.COUNT_IS_WHOLE)
        now = self.clock()
        row = {"item": item, "at": now, "count": count, "previous": stock.on_hand}
        await self.store.write(
            records.add_row("storeroom_counts", row | {"user": user, "note": note})
        )
        self.ledger.recount(stock, int(count), now)
        self.stock_alerts.evaluate(stock, now)
        return self.item_view(item)

    async def shelf_command(self, shelf: str, command: str) -> None:
        await self.devices.command(shelf, command)

    # -- reads: memory ----------------------------------------------------------------------
    def item_view(self, key: str) -> ItemView:
        stock = self.ledger[key]
        shelf = self._sensors.get(stock.settings.shelf) if stock.settings.shelf else None
        return item_view(stock, self.stock_alerts.status(stock), shelf)

    def items(self) -> list[ItemView]:
        return [self.item_view(stock.key) for stock in self.ledger]

    def stock_figures(self) -> list[StockFigure]:
        """Per item: on hand and days of supply. The cheap read ``/metrics`` makes every scrape
        (a whole :class:`ItemView` per item costs ten times as much with hundreds of items)."""
        return [
            StockFigure(stock.key, stock.on_hand, stock.forecast.days_of_supply)
            for stock in self.ledger
        ]

    def sensors(self) -> list[SensorView]:
        return [sensor_view(s) for s in self._sensors.values()]

    def open_alerts(self) -> list[Alert]:
        return self.alerting.open_alerts()

    # -- reads: the store, off the loop ----------------------------------------------------
    async def alert_history(self, limit: int = 50) -> list[Alert]:
        await self._writer.flushed()
        return await self.store.read(
            lambda db: records.query_alerts(db, include_resolved=True, limit=limit)
        )

    async def alerts_since(self, updated_after: float, limit: int = 500) -> list[Alert]:
        """Every alert change after ``updated_after`` (the uplink's source of truth)."""
        await self._writer.flushed()
        return await self.store.read(
            lambda db: records.query_alerts_since(db, updated_after, limit)
        )

    async def trend(self, item: str, days: float = 7.0) -> list[tuple[float, float]]:
        _ = self.ledger[item]  # raises UnknownItemError
        since = self.clock() - days * DAY
        await self._writer.flushed()
        return await self.store.read(lambda db: records.query_trend(db, item, since))

    # -- figures for the benchmark and the tests -------------------------------------------
    @property
    def readings(self) -> int:
        return self.intake.readings

    @property
    def write_errors(self) -> int:
        return self._writer.errors

    @property
    def mqtt_router(self) -> ShelfRouter | None:
        return self.devices.mqtt_router
