"""The storeroom service: sensors in, stock and alerts out.

Everything runs on the event loop. Device events arrive through :meth:`StoreroomService.handle`
(from the Modbus pollers and the MQTT shelves), are filtered, turned into counts, and the
counts into forecasts and alert triggers; a 1-second :meth:`tick` handles what depends on time
alone (stale sensors, climate delays, re-notifying, the change of day). The hot path does no
I/O: store writes go to the store's writer thread without waiting, and only when something
changed (a count, an alert) or once per trend sample period.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge.core.bus import Bus
from edge.core.events import AlertChanged, DeviceStatus, StockChanged
from edge.core.store import Store
from edge.storeroom import records
from edge.storeroom.alerts import (
    Alert,
    AlertBook,
    AlertChange,
    AlertKind,
    Trigger,
    threshold_trigger,
)
from edge.storeroom.errors import (
    InvalidInputError,
    SensorCommandError,
    UnknownAlertError,
    UnknownItemError,
    UnknownSensorError,
)
from edge.storeroom.filter import FilterParams, WeightFilter
from edge.storeroom.forecast import Forecast, forecast
from edge.storeroom.mqtt_link import ShelfRouter, default_client_factory, run_mqtt
from edge.storeroom.settings import ClimateSettings, ItemSettings, ShelfSettings, StoreroomSettings
from edge.storeroom.stock import Catalogue, count_from_weight, offset_for_count
from edge.storeroom.views import ItemView, SensorView
from firmware_interfaces.events import (
    ClimateReading,
    DeviceEvent,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    ShelfWeight,
)
from firmware_interfaces.modbus.errors import DeviceCommandError
from firmware_interfaces.modbus.poller import BusPoller, PolledDevice, SerialLine

log = logging.getLogger(__name__)

DAY = 86400.0
GOOD_READINGS_TO_RECOVER = 3
Clock = Callable[[], float]


def day_of(at: float) -> int:
    return int(at // DAY)


@dataclass(eq=False)
class _Sensor:
    key: str
    kind: str  # "shelf", "climate"
    source: str
    state: str = "starting"
    reason: str = "no reading yet"
    since: float = 0.0
    fault_since: float | None = None
    good_since: float | None = None
    good_streak: int = 0
    last_at: float | None = None
    value: float | None = None
    humidity: float | None = None
    sampled_at: float = float("-inf")
    readings: int = 0
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)


@dataclass(eq=False)
class _Shelf:
    settings: ShelfSettings
    sensor: _Sensor
    filter: WeightFilter
    item: ItemSettings | None
    count_fault: bool = False


@dataclass(eq=False)
class _Climate:
    settings: ClimateSettings
    sensor: _Sensor
    out_since: float | None = None
    out_reason: str = ""


@dataclass(eq=False)
class _Item:
    settings: ItemSettings
    on_hand: float | None = None
    on_order: float = 0.0
    offset_kg: float = 0.0
    daily: dict[int, float] = field(default_factory=dict)
    forecast: Forecast = field(default_factory=lambda: Forecast(0, None, None, None, None, None))
    last_weight: float | None = None  # the shelf's last accepted weight


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
        self.bus = bus
        self.clock = clock
        self.catalogue = Catalogue(settings.items)
        self._mqtt_factory = mqtt_client_factory
        self._alert_out: asyncio.Queue[Alert] | None = None
        self._book = AlertBook()
        self._items = {i.key: _Item(i) for i in settings.items}
        now = clock()
        self._shelves: dict[str, _Shelf] = {}
        for s in settings.shelves:
            item = self.catalogue.by_shelf.get(s.key)
            unit = item.unit_weight_kg if item else 1.0
            params = FilterParams(
                window=settings.filter.median_window,
                settle_seconds=settings.filter.settle_seconds,
                band_kg=unit * 0.5,
                threshold_kg=unit * settings.filter.significant_units,
            )
            self._shelves[s.key] = _Shelf(
                s, _Sensor(s.key, "shelf", s.source, since=now), WeightFilter(params), item
            )
        self._climate = {
            c.key: _Climate(c, _Sensor(c.key, "climate", "modbus", since=now))
            for c in settings.climate
        }
        self._sensors: dict[str, _Sensor] = {
            **{k: s.sensor for k, s in self._shelves.items()},
            **{k: c.sensor for k, c in self._climate.items()},
        }
        self.pollers = self._make_pollers()
        self._day = day_of(now)
        self.readings = 0
        self.write_errors = 0
        self.mqtt_router: ShelfRouter | None = None
        self._loaded = False

    # -- start-up ----------------------------------------------------------------------------
    def _make_pollers(self) -> dict[str, BusPoller]:
        pollers = {}
        for b in self.settings.buses:
            devices = [
                PolledDevice(s.key, s.address or 0, s.weight_profile(), s.poll_seconds)
                for s in self.settings.shelves
                if s.source == "modbus" and s.bus == b.key
            ] + [
                PolledDevice(c.key, c.address, c.climate_profile(), c.poll_seconds)
                for c in self.settings.climate
                if c.bus == b.key
            ]
            if devices:
                line = SerialLine(
                    b.port,
                    baudrate=b.baudrate,
                    parity=b.parity,
                    stopbits=b.stopbits,
                    timeout=b.timeout_seconds,
                    retries=b.retries,
                )
                pollers[b.key] = BusPoller(line, devices, self.handle)
        return pollers

    def load(self) -> None:
        """Restore stock, open alerts and usage history from the store (once, at start)."""
        if self._loaded:
            return
        self._loaded = True
        since = day_of(self.clock()) - self.settings.forecast.window_days - 1
        snap = self.store.read_sync(lambda db: records.load_snapshot(db, since))
        for key, row in snap.stock.items():
            st = self._items.get(key)
            if st is not None:
                st.on_hand, st.on_order, st.offset_kg = (
                    row["on_hand"],
                    row["on_order"],
                    row["offset_kg"],
                )
        for key, daily in snap.daily_use.items():
            if key in self._items:
                self._items[key].daily = dict(daily)
        self._book = AlertBook(snap.open_alerts, snap.episodes)
        now = self.clock()
        for st in self._items.values():
            self._refresh_forecast(st, now)

    async def run(self) -> None:
        """Run pollers, MQTT and the tick until cancelled."""
        await asyncio.to_thread(self.load)
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._tick_loop(), name="storeroom:tick")
            for key, poller in self.pollers.items():
                tg.create_task(poller.run(), name=f"storeroom:modbus:{key}")
            if self.settings.mqtt is not None:
                factory = self._mqtt_factory or default_client_factory(self.settings.mqtt)
                self._alert_out = asyncio.Queue(maxsize=1000)
                self.mqtt_router = ShelfRouter(self.settings.shelves, self.settings.mqtt)
                tg.create_task(
                    run_mqtt(
                        self.mqtt_router, self.handle, self.settings.mqtt, factory, self._alert_out
                    ),
                    name="storeroom:mqtt",
                )

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tick_seconds)
            self.tick()

    # -- device events (the hot path) ---------------------------------------------------------
    def handle(self, key: str, event: DeviceEvent) -> None:
        """Take one event from a device transport; unknown or bad input never raises."""
        if isinstance(event, ShelfWeight):
            shelf = self._shelves.get(key)
            if shelf is not None:
                self._shelf_weight(shelf, event.kilograms)
            return
        if isinstance(event, ClimateReading):
            climate = self._climate.get(key)
            if climate is not None:
                self._climate_reading(climate, event)
            return
        sensor = self._sensors.get(key)
        if sensor is None:
            return
        now = self.clock()
        if isinstance(event, FrameRejected):
            sensor.rejected[event.reason] += 1
            self._fault(sensor, event.reason, now)
        elif isinstance(event, DeviceStateChanged) and event.state is not DeviceState.CONNECTED:
            self._fault(sensor, f"{event.state}: {event.reason}", now)

    def _shelf_weight(self, shelf: _Shelf, kilograms: float) -> None:
        now = self.clock()
        sensor = shelf.sensor
        self.readings += 1
        sensor.readings += 1
        if kilograms != kilograms or kilograms < -shelf.settings.capacity_kg:  # NaN, garbage
            sensor.rejected["not a weight"] += 1
            self._fault(sensor, "not a weight", now)
            return
        sensor.last_at = now
        sensor.value = kilograms
        if now - sensor.sampled_at >= self.settings.trend_sample_seconds:
            sensor.sampled_at = now
            self._write(records.add_reading(sensor.key, now, kilograms, None))
        accepted = shelf.filter.feed(now, kilograms)
        if accepted is None:
            # A weight that made no sense as a count stays a fault until a settled weight
            # that does; any other fault ends with this good reading.
            if not shelf.count_fault:
                self._good(sensor, now)
            return
        item = shelf.item
        if item is None:
            self._good(sensor, now)
            return
        st = self._items[item.key]
        st.last_weight = accepted
        result = count_from_weight(item, accepted, st.offset_kg)
        if result.count is None:
            shelf.count_fault = True
            self._fault(sensor, result.reason, now)
            return
        shelf.count_fault = False
        self._good(sensor, now)
        self._set_on_hand(st, float(result.count), now, "sensor")

    def _climate_reading(self, climate: _Climate, reading: ClimateReading) -> None:
        now = self.clock()
        sensor, cfg = climate.sensor, climate.settings
        sensor.readings += 1
        sensor.last_at = now
        sensor.value, sensor.humidity = reading.celsius, reading.relative_humidity
        self._good(sensor, now)
        if now - sensor.sampled_at >= self.settings.trend_sample_seconds:
            sensor.sampled_at = now
            self._write(
                records.add_reading(sensor.key, now, reading.celsius, reading.relative_humidity)
            )
        t, rh = reading.celsius, reading.relative_humidity
        if t < cfg.min_celsius or t > cfg.max_celsius or rh > cfg.max_humidity:
            if climate.out_since is None:
                climate.out_since = now
            climate.out_reason = f"{cfg.key}: {t:.1f} °C, {rh:.0f} % RH"
        else:
            climate.out_since = None
            inside = (
                cfg.min_celsius + cfg.clear_margin_celsius
                <= t
                <= cfg.max_celsius - cfg.clear_margin_celsius
                and rh <= cfg.max_humidity - cfg.clear_margin_humidity
            )
            if inside:
                self._alert(
                    AlertKind.CLIMATE,
                    cfg.key,
                    Trigger.CLEAR,
                    now,
                    f"{cfg.key}: back in range ({t:.1f} °C, {rh:.0f} % RH)",
                )
        self._check_climate(climate, now)

    def _check_climate(self, climate: _Climate, now: float) -> None:
        cfg = climate.settings
        if climate.out_since is not None and now - climate.out_since >= cfg.alert_after_seconds:
            self._alert(
                AlertKind.CLIMATE,
                cfg.key,
                Trigger.RAISE,
                now,
                f"storage out of range ({cfg.min_celsius}–{cfg.max_celsius} °C, "
                f"≤ {cfg.max_humidity} % RH): {climate.out_reason}",
            )

    # -- sensor state --------------------------------------------------------------------------
    def _fault(self, sensor: _Sensor, reason: str, now: float) -> None:
        sensor.good_since = None
        sensor.good_streak = 0
        if sensor.state == "fault":
            # Already announced: a new reason is shown on the page (and counted), but a cell
            # alternating between two kinds of garbage must not flood the bus or the disk.
            sensor.reason = reason
            return
        log.warning("storeroom sensor %s fault: %s", sensor.key, reason)
        sensor.state = "fault"
        sensor.reason = reason
        sensor.fault_since = now
        sensor.since = now
        self._write(records.add_sensor_event(sensor.key, now, "fault", reason))
        self.bus.publish(DeviceStatus(sensor.key, sensor.kind, "fault", reason, now))

    def _good(self, sensor: _Sensor, now: float) -> None:
        if sensor.state == "ok":
            return
        if sensor.state == "fault":
            # A few good readings in a row, so a sensor that alternates good and bad stays
            # one fault rather than a stream of recoveries.
            sensor.good_streak += 1
            if sensor.good_streak < GOOD_READINGS_TO_RECOVER:
                return
            log.info("storeroom sensor %s reads again", sensor.key)
            self._write(records.add_sensor_event(sensor.key, now, "ok", "reading"))
        sensor.state = "ok"
        sensor.reason = "reading"
        sensor.since = now
        sensor.good_since = now
        sensor.fault_since = None
        self.bus.publish(DeviceStatus(sensor.key, sensor.kind, "connected", "reading", now))

    # -- stock ---------------------------------------------------------------------------------
    def _set_on_hand(self, st: _Item, on_hand: float, now: float, cause: str) -> None:
        previous = st.on_hand
        if previous == on_hand:
            return
        st.on_hand = on_hand
        consumed = previous is not None and on_hand < previous
        if consumed and (cause == "sensor" or st.settings.shelf is None):
            assert previous is not None
            day = day_of(now)
            st.daily[day] = st.daily.get(day, 0.0) + (previous - on_hand)
            self._write(records.save_daily_use(st.settings.key, day, st.daily[day]))
        elif not st.daily:
            st.daily[day_of(now)] = 0.0  # the first day this item is watched
            self._write(records.save_daily_use(st.settings.key, day_of(now), 0.0))
        self._write(records.add_history(st.settings.key, now, on_hand, cause))
        self._save_stock(st, now)
        self._refresh_forecast(st, now)
        self._publish_stock(st, now)
        self._evaluate_item(st, now)

    def _save_stock(self, st: _Item, now: float) -> None:
        self._write(records.save_stock(st.settings.key, st.on_hand, st.on_order, st.offset_kg, now))

    def _refresh_forecast(self, st: _Item, now: float) -> None:
        today = day_of(now)
        cfg = self.settings.forecast
        # Complete days only: not today, and not the first day watched (it began part-way).
        first = min(st.daily, default=today)
        days = range(max(first + 1, today - cfg.window_days), today)
        st.forecast = forecast(
            [st.daily.get(d, 0.0) for d in days],
            st.on_hand or 0.0,
            lead_time_days=st.settings.lead_time_days,
            service_level=cfg.service_level,
            smoothing=cfg.smoothing,
            min_history_days=cfg.min_history_days,
            minimum=st.settings.minimum,
        )

    def _publish_stock(self, st: _Item, now: float) -> None:
        if st.on_hand is None:
            return
        fc = st.forecast
        self.bus.publish(
            StockChanged(
                st.settings.key,
                st.on_hand,
                st.settings.unit,
                fc.days_of_supply,
                fc.reorder_point,
                now,
            )
        )

    def _evaluate_item(self, st: _Item, now: float) -> None:
        if st.on_hand is None:
            return
        item, fc, h = st.settings, st.forecast, self.settings.alerts.hysteresis
        name = item.name or item.key
        left = f"{name}: {st.on_hand:g} {item.unit} left"
        self._alert(
            AlertKind.OUT,
            item.key,
            threshold_trigger(st.on_hand, 0.0, 0.5),
            now,
            f"{name}: none left",
        )
        projected = st.on_hand + st.on_order
        rop = fc.reorder_point
        if rop is not None:
            clear_at = rop + max(h * rop, 1.0)
            self._alert(
                AlertKind.LOW,
                item.key,
                threshold_trigger(projected, rop, clear_at),
                now,
                f"{left} (projected {projected:g}), reorder point {rop:.1f}",
            )
        dos = fc.days_of_supply
        lead = item.lead_time_days
        trigger = None
        if dos is None:
            trigger = Trigger.CLEAR
        elif dos < lead:
            trigger = Trigger.RAISE
        elif dos >= lead * (1 + h):
            trigger = Trigger.CLEAR
        self._alert(
            AlertKind.CRITICAL,
            item.key,
            trigger,
            now,
            f"{left}: {dos or 0:.1f} days of supply, restocking takes {lead:g} days",
        )

    # -- alerts --------------------------------------------------------------------------------
    def _alert(
        self,
        kind: AlertKind,
        subject: str,
        trigger: Trigger | None,
        now: float,
        message: str = "",
        user: str | None = None,
    ) -> Alert | None:
        if trigger is None:
            return None
        change = self._book.apply(kind, subject, trigger, now, message=message, user=user)
        if change is None:
            return None
        self._emit_alert(change)
        return change.alert

    def _emit_alert(self, change: AlertChange) -> None:
        a = change.alert
        log.info("storeroom alert %s %s: %s", a.alert_id, a.state, a.message)
        self._write(records.save_alert(a))
        self.bus.publish(
            # Plain strings on the bus: its readers (uplink, page) need not know our enums.
            AlertChanged(
                a.alert_id,
                str(a.kind),
                a.subject,
                a.severity,
                str(a.state),
                a.message,
                a.updated_at,
            )
        )
        if self._alert_out is not None:
            with contextlib.suppress(asyncio.QueueFull):  # the store keeps it for the uplink
                self._alert_out.put_nowait(a)

    def tick(self) -> None:
        """Time-driven checks: stale sensors, delays, re-notify, the change of day."""
        now = self.clock()
        cfg = self.settings.alerts
        for shelf in self._shelves.values():
            s = shelf.sensor
            last = s.last_at if s.last_at is not None else s.since
            if now - last >= cfg.stale_seconds:
                # A fixed reason: a counting one would be a "new" fault every tick.
                self._fault(s, f"stale: no reading for over {cfg.stale_seconds:g} s", now)
        for climate in self._climate.values():
            s = climate.sensor
            last = s.last_at if s.last_at is not None else s.since
            limit = max(cfg.stale_seconds, 3 * climate.settings.poll_seconds)
            if now - last >= limit:
                self._fault(s, f"stale: no reading for over {limit:g} s", now)
            elif s.state != "fault":
                self._check_climate(climate, now)
        for s in self._sensors.values():
            if s.state == "fault" and s.fault_since is not None:
                if now - s.fault_since >= cfg.fault_alert_after_seconds:
                    self._alert(
                        AlertKind.SENSOR_FAULT, s.key, Trigger.RAISE, now, f"{s.key}: {s.reason}"
                    )
            elif s.good_since is not None and now - s.good_since >= cfg.fault_clear_seconds:
                self._alert(
                    AlertKind.SENSOR_FAULT, s.key, Trigger.CLEAR, now, f"{s.key}: reading again"
                )
        for alert in self._book.due_for_renotify(now, cfg.renotify_seconds):
            self._alert(alert.kind, alert.subject, Trigger.RENOTIFY, now, alert.message)
        today = day_of(now)
        if today != self._day:
            self._day = today
            for st in self._items.values():
                self._refresh_forecast(st, now)
                self._publish_stock(st, now)
                self._evaluate_item(st, now)

    # -- actions from the page -----------------------------------------------------------------
    def _item(self, key: str) -> _Item:
        st = self._items.get(key)
        if st is None:
            raise UnknownItemError(key)
        return st

    async def acknowledge(self, alert_id: str, user: str | None) -> Alert:
        alert = self._book.by_id(alert_id)
        if alert is None:
            raise UnknownAlertError(alert_id)
        now = self.clock()
        changed = self._alert(alert.kind, alert.subject, Trigger.ACK, now, user=user)
        await self._flushed()  # the ack has reached the disk before we say so
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
        st = self._item(item)
        if not quantity > 0:
            raise InvalidInputError("an order needs a positive quantity")
        now = self.clock()
        await self.store.write(
            records.add_row(
                "storeroom_orders",
                {
                    "item": item,
                    "at": now,
                    "quantity": quantity,
                    "user": user,
                    "alert_id": alert_id,
                    "note": note,
                },
            )
        )
        st.on_order += quantity
        # ``alert_id`` is only a reference (the alert may have resolved since the page loaded).
        # The order answers every stock alert of the item: none of them should keep reminding.
        for kind in (AlertKind.OUT, AlertKind.CRITICAL, AlertKind.LOW):
            self._alert(kind, item, Trigger.ACK, now, user=user)
        self._save_stock(st, now)
        self._publish_stock(st, now)
        self._evaluate_item(st, now)
        return self.item_view(item)

    async def record_delivery(
        self, item: str, quantity: float, user: str | None, *, note: str = ""
    ) -> ItemView:
        """Goods received: they settle open orders; hand-counted items also gain stock."""
        st = self._item(item)
        if not quantity > 0:
            raise InvalidInputError("a delivery needs a positive quantity")
        now = self.clock()
        await self.store.write(
            records.add_row(
                "storeroom_deliveries",
                {"item": item, "at": now, "quantity": quantity, "user": user, "note": note},
            )
        )
        st.on_order = max(st.on_order - quantity, 0.0)
        self._save_stock(st, now)
        if st.settings.shelf is None:
            self._set_on_hand(st, (st.on_hand or 0.0) + quantity, now, "delivery")
        # A weighed item gains stock when the goods are on its shelf, not when they are
        # booked in: counting both would count them twice.
        self._publish_stock(st, now)
        self._evaluate_item(st, now)
        return self.item_view(item)

    async def record_count(
        self, item: str, count: float, user: str | None, *, note: str = ""
    ) -> ItemView:
        """A manual count: the truth. On a weighed shelf it re-zeroes the weight-to-count map."""
        st = self._item(item)
        if not count >= 0 or count != int(count):
            raise InvalidInputError("a count is a whole number, zero or more")
        now = self.clock()
        await self.store.write(
            records.add_row(
                "storeroom_counts",
                {
                    "item": item,
                    "at": now,
                    "count": count,
                    "previous": st.on_hand,
                    "user": user,
                    "note": note,
                },
            )
        )
        if st.settings.shelf is not None and st.last_weight is not None:
            st.offset_kg = offset_for_count(st.settings, st.last_weight, int(count))
        self._save_stock(st, now)
        self._set_on_hand(st, float(count), now, "count")
        return self.item_view(item)

    async def shelf_command(self, shelf: str, command: str) -> None:
        cfg = next((s for s in self.settings.shelves if s.key == shelf), None)
        if cfg is None:
            raise UnknownSensorError(shelf)
        if command not in ("tare", "zero"):
            raise InvalidInputError(f"unknown command {command!r}")
        poller = self.pollers.get(cfg.bus or "") if cfg.source == "modbus" else None
        if poller is None:
            raise SensorCommandError(shelf, command, "only Modbus shelves take commands")
        try:
            await poller.command(shelf, command)
        except DeviceCommandError as exc:
            raise SensorCommandError(shelf, command, exc.reason) from exc

    # -- read models ---------------------------------------------------------------------------
    def item_view(self, key: str) -> ItemView:
        st = self._item(key)
        item, fc = st.settings, st.forecast
        status = "unknown"
        if st.on_hand is not None:
            status = "ok"
            for kind in (AlertKind.OUT, AlertKind.CRITICAL, AlertKind.LOW):
                if self._book.get(kind, key) is not None:
                    status = str(kind)
                    break
        shelf = self._shelves.get(item.shelf) if item.shelf else None
        return ItemView(
            key=key,
            name=item.name or key,
            unit=item.unit,
            shelf=item.shelf,
            on_hand=st.on_hand,
            on_order=st.on_order,
            projected=None if st.on_hand is None else st.on_hand + st.on_order,
            daily_use=fc.daily_use,
            days_of_supply=fc.days_of_supply,
            reorder_point=fc.reorder_point,
            lead_time_days=item.lead_time_days,
            days_of_data=fc.days_of_data,
            status=status,
            sensor_state=shelf.sensor.state if shelf else None,
        )

    def items(self) -> list[ItemView]:
        return [self.item_view(k) for k in self._items]

    def sensors(self) -> list[SensorView]:
        return [
            SensorView(
                key=s.key,
                kind=s.kind,
                source=s.source,
                state=s.state,
                reason=s.reason,
                since=s.since,
                last_at=s.last_at,
                value=s.value,
                humidity=s.humidity,
                rejected=dict(s.rejected),
                readings=s.readings,
            )
            for s in self._sensors.values()
        ]

    def open_alerts(self) -> list[Alert]:
        return sorted(self._book.open_alerts(), key=lambda a: a.opened_at, reverse=True)

    async def _flushed(self) -> None:
        # Hot-path writes are queued without waiting; an empty write behind them returns
        # once they are committed, so a read that follows sees them.
        await self.store.write(lambda db: None)

    async def alert_history(self, limit: int = 50) -> list[Alert]:
        await self._flushed()
        return await self.store.read(
            lambda db: records.query_alerts(db, include_resolved=True, limit=limit)
        )

    async def alerts_since(self, updated_after: float, limit: int = 500) -> list[Alert]:
        """Every alert change after ``updated_after`` (the uplink's source of truth)."""
        await self._flushed()
        return await self.store.read(
            lambda db: records.query_alerts_since(db, updated_after, limit)
        )

    async def trend(self, item: str, days: float = 7.0) -> list[tuple[float, float]]:
        self._item(item)
        since = self.clock() - days * DAY
        await self._flushed()
        return await self.store.read(lambda db: records.query_trend(db, item, since))

    # -- plumbing ------------------------------------------------------------------------------
    def _write(self, fn: records.Write) -> None:
        try:
            future = self.store.submit(fn)
        except Exception:
            self.write_errors += 1
            log.exception("storeroom: cannot queue a store write")
            return
        future.add_done_callback(self._write_done)

    def _write_done(self, future: Any) -> None:
        if future.exception() is not None:
            self.write_errors += 1
            log.error("storeroom: store write failed: %s", future.exception())
