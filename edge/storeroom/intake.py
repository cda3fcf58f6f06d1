"""Device events in: shelf weights become counts, climate readings are checked, bad input faults.

This is the hot path (hundreds of shelves at ten readings a second): it runs on the event loop,
does no I/O (store writes are queued, see :mod:`edge.storeroom.writer`) and writes a trend
sample only once per ``trend_sample_seconds`` per sensor. Unknown or bad input never raises.

A shelf's weight goes through its :class:`~edge.storeroom.filter.WeightFilter`; a settled
weight becomes a count (:func:`~edge.storeroom.stock.count_from_weight`) for the ledger. Each
reading moves the sensor along its health table (:mod:`edge.storeroom.sensor_health`), and the
table's action says what to announce. :meth:`SensorIntake.check` is the time-driven half:
silent sensors, fault alerts, climate delays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from edge.core.bus import Bus
from edge.core.events import DeviceStatus
from edge.storeroom import messages, records
from edge.storeroom.alerting import Alerting
from edge.storeroom.alerts import AlertKind, Trigger
from edge.storeroom.climate import ClimateWatch
from edge.storeroom.filter import FilterParams, WeightFilter
from edge.storeroom.ledger import ItemStock, StockLedger
from edge.storeroom.sensor_health import Action, SensorHealth, Signal
from edge.storeroom.settings import StoreroomSettings
from edge.storeroom.stock import count_from_weight
from edge.storeroom.stock_alerts import StockAlerts
from firmware_interfaces.events import (
    ClimateReading,
    DeviceEvent,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    ShelfWeight,
)

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class _Shelf:
    health: SensorHealth
    filter: WeightFilter
    capacity_kg: float
    stock: ItemStock | None
    # A settled weight that made no sense as a count: a fault that only a settled weight that
    # does make sense ends (unsettled readings in between are neither good nor bad).
    count_fault: bool = False


@dataclass(eq=False, slots=True)
class _Climate:
    health: SensorHealth
    watch: ClimateWatch
    silent_after: float


def sensor_records(settings: StoreroomSettings, now: float) -> dict[str, SensorHealth]:
    """A fresh health record per shelf and climate sensor, keyed by sensor."""
    shelves = {s.key: SensorHealth(s.key, "shelf", s.source, since=now) for s in settings.shelves}
    climate = {c.key: SensorHealth(c.key, "climate", "modbus", since=now) for c in settings.climate}
    return shelves | climate


class SensorIntake:
    def __init__(
        self,
        settings: StoreroomSettings,
        sensors: Mapping[str, SensorHealth],
        *,
        ledger: StockLedger,
        stock_alerts: StockAlerts,
        alerting: Alerting,
        write: Callable[[records.Write], None],
        bus: Bus,
        clock: Callable[[], float],
    ) -> None:
        self._alert_settings = settings.alerts
        self._sample_every = settings.trend_sample_seconds
        self._ledger = ledger
        self._stock_alerts = stock_alerts
        self._alerting = alerting
        self._write = write
        self._bus = bus
        self._clock = clock
        self._sensors = sensors
        self._shelves: dict[str, _Shelf] = {}
        for s in settings.shelves:
            stock = ledger.by_shelf.get(s.key)
            unit = stock.settings.unit_weight_kg if stock else 1.0
            params = FilterParams(
                window=settings.filter.median_window,
                settle_seconds=settings.filter.settle_seconds,
                band_kg=unit * 0.5,
                threshold_kg=unit * settings.filter.significant_units,
            )
            self._shelves[s.key] = _Shelf(
                sensors[s.key], WeightFilter(params), s.capacity_kg, stock
            )
        stale = settings.alerts.stale_seconds
        self._climate = {
            c.key: _Climate(sensors[c.key], ClimateWatch(c), max(stale, 3 * c.poll_seconds))
            for c in settings.climate
        }
        self.readings = 0

    def handle(self, key: str, event: DeviceEvent) -> None:
        """Take one event from a device transport (the pollers' and MQTT link's ``emit``)."""
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
        if isinstance(event, FrameRejected):
            sensor.rejected[event.reason] += 1
            self._signal(sensor, Signal.BAD, self._clock(), event.reason)
        elif isinstance(event, DeviceStateChanged) and event.state is not DeviceState.CONNECTED:
            reason = messages.device_trouble(event.state, event.reason)
            self._signal(sensor, Signal.BAD, self._clock(), reason)

    def _shelf_weight(self, shelf: _Shelf, kilograms: float) -> None:
        now = self._clock()
        sensor = shelf.health
        self.readings += 1
        sensor.readings += 1
        if kilograms != kilograms or kilograms < -shelf.capacity_kg:  # NaN, garbage
            sensor.rejected[messages.NOT_A_WEIGHT] += 1
            self._signal(sensor, Signal.BAD, now, messages.NOT_A_WEIGHT)
            return
        sensor.last_at = now
        sensor.value = kilograms
        if now - sensor.sampled_at >= self._sample_every:
            sensor.sampled_at = now
            self._write(records.add_reading(sensor.key, now, kilograms, None))
        accepted = shelf.filter.feed(now, kilograms)
        stock = shelf.stock
        if accepted is None or stock is None:
            if not shelf.count_fault:
                self._signal(sensor, Signal.GOOD, now)
            return
        stock.last_weight = accepted
        result = count_from_weight(stock.settings, accepted, stock.offset_kg)
        if result.count is None:
            shelf.count_fault = True
            self._signal(sensor, Signal.BAD, now, result.reason)
            return
        shelf.count_fault = False
        # The count first, then the health: a shelf that recovers with this reading is then
        # evaluated once, on its new count, not on the stale one.
        self._count(stock, float(result.count), now)
        self._signal(sensor, Signal.GOOD, now)

    def _count(self, stock: ItemStock, on_hand: float, now: float) -> None:
        if self._ledger.set_on_hand(stock, on_hand, now, "sensor"):
            self._stock_alerts.evaluate(stock, now)

    def _climate_reading(self, climate: _Climate, reading: ClimateReading) -> None:
        now = self._clock()
        sensor = climate.health
        celsius, humidity = reading.celsius, reading.relative_humidity
        sensor.readings += 1
        sensor.last_at = now
        sensor.value, sensor.humidity = celsius, humidity
        self._signal(sensor, Signal.GOOD, now)
        if now - sensor.sampled_at >= self._sample_every:
            sensor.sampled_at = now
            self._write(records.add_reading(sensor.key, now, celsius, humidity))
        trigger, message = climate.watch.observe(celsius, humidity, now)
        self._alerting.apply(AlertKind.CLIMATE, sensor.key, trigger, now, message)

    # -- health ----------------------------------------------------------------------------
    def _signal(
        self, sensor: SensorHealth, signal: Signal, now: float, reason: str = messages.READING
    ) -> None:
        action = sensor.apply(signal, now, reason)
        if action is Action.NONE or action is Action.NEW_REASON:
            return
        if action is Action.FAULT:
            log.warning("storeroom sensor %s fault: %s", sensor.key, reason)
            self._write(records.add_sensor_event(sensor.key, now, "fault", reason))
            self._bus.publish(DeviceStatus(sensor.key, sensor.kind, "fault", reason, now))
            return
        if action is Action.RECOVERED:
            log.info("storeroom sensor %s reads again", sensor.key)
        # Recorded, also at the first reading: the centre learns of a sensor from this table.
        self._write(records.add_sensor_event(sensor.key, now, "ok", messages.READING))
        self._bus.publish(DeviceStatus(sensor.key, sensor.kind, "connected", "reading", now))
        # Reading (again): its item's stock is known again, and evaluated afresh.
        shelf = self._shelves.get(sensor.key)
        if shelf is not None and shelf.stock is not None:
            self._stock_alerts.evaluate(shelf.stock, now)

    def check(self, now: float) -> None:
        """Time-driven: silent sensors, faults that last (alerts), climate out for too long."""
        cfg = self._alert_settings
        for shelf in self._shelves.values():
            if shelf.health.silent_for(now) >= cfg.stale_seconds:
                reason = messages.no_reading_for(cfg.stale_seconds)
                self._signal(shelf.health, Signal.SILENT, now, reason)
        for climate in self._climate.values():
            sensor = climate.health
            if sensor.silent_for(now) >= climate.silent_after:
                reason = messages.no_reading_for(climate.silent_after)
                self._signal(sensor, Signal.SILENT, now, reason)
            elif not sensor.faulty:
                trigger, message = climate.watch.due(now)
                self._alerting.apply(AlertKind.CLIMATE, sensor.key, trigger, now, message)
        for sensor in self._sensors.values():
            trigger = sensor.fault_alert(
                now, cfg.fault_alert_after_seconds, cfg.fault_clear_seconds
            )
            if trigger is Trigger.RAISE:
                message = messages.sensor_fault(sensor.key, sensor.reason)
                self._alerting.apply(AlertKind.SENSOR_FAULT, sensor.key, trigger, now, message)
                # Every tick, not only when the fault alert opens: a stock alert that an
                # earlier recovery reopened must not stand beside the fault either.
                self._withdraw_stock_alerts(sensor.key, now)
            elif trigger is Trigger.CLEAR:
                message = messages.sensor_reading_again(sensor.key)
                self._alerting.apply(AlertKind.SENSOR_FAULT, sensor.key, trigger, now, message)

    def _withdraw_stock_alerts(self, sensor: str, now: float) -> None:
        shelf = self._shelves.get(sensor)
        if shelf is not None and shelf.stock is not None:
            self._stock_alerts.withdraw(shelf.stock, now)
