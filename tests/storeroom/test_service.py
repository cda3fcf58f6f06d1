"""The storeroom service on a real SQLite store, with a fake clock and synthetic readings."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.core.bus import Bus, Subscription
from edge.core.events import AlertChanged, StockChanged
from edge.core.store import Store
from edge.storeroom import MIGRATIONS, StoreroomService
from edge.storeroom.alerts import AlertKind, AlertState
from edge.storeroom.settings import (
    AlertSettings,
    ClimateSettings,
    ItemSettings,
    ModbusBusSettings,
    MqttSettings,
    ShelfSettings,
    StoreroomSettings,
)
from firmware_interfaces.events import (
    ClimateReading,
    DeviceEvent,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    ShelfWeight,
)
from tests.storeroom.conftest import FakeClock

DAY = 86400.0
UNIT = 0.2  # kg per box of masks
TARE = 1.0  # the crate


def settings(**alerts: float) -> StoreroomSettings:
    return StoreroomSettings(
        items=(
            ItemSettings(
                key="masks",
                name="FFP2 masks",
                unit="box",
                unit_weight_kg=UNIT,
                shelf="s1",
                container_tare_kg=TARE,
                lead_time_days=5,
            ),
            ItemSettings(
                key="batteries", unit="pack", unit_weight_kg=0.1, lead_time_days=2, minimum=10
            ),
        ),
        shelves=(ShelfSettings(key="s1", source="mqtt", capacity_kg=100),),
        buses=(ModbusBusSettings(key="rs485", port="/dev/null"),),
        climate=(
            ClimateSettings(
                key="room", bus="rs485", address=9, alert_after_seconds=600, max_celsius=30
            ),
        ),
        mqtt=MqttSettings(),
        alerts=AlertSettings(**{"renotify_seconds": 3600, "stale_seconds": 120, **alerts}),
        trend_sample_seconds=60,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "gateway.db", [MIGRATIONS]) as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=100 * DAY + 8 * 3600)  # 08:00 on a day


class Rig:
    def __init__(self, store: Store, clock: FakeClock, cfg: StoreroomSettings | None = None):
        self.bus = Bus()
        self.events: Subscription = self.bus.subscribe(maxsize=100_000)
        self.clock = clock
        self.weight = 0.0
        self.service = StoreroomService(cfg or settings(), store, self.bus, clock=clock)

    def put(self, kg: float, seconds: float = 5.0, shelf: str = "s1") -> None:
        """The shelf reports ``kg`` at 10 readings a second for ``seconds``."""
        for _ in range(int(seconds * 10)):
            self.service.handle(shelf, ShelfWeight(kg))
            self.clock.advance(0.1)
        self.service.tick()
        self.weight = kg

    def wait(self, seconds: float) -> None:
        """Time passes with the sensors still on the bus: a reading each and a tick every 10 s."""
        for _ in range(int(seconds // 10)):
            self.clock.advance(10)
            self.service.handle("s1", ShelfWeight(self.weight))
            self.service.handle("room", ClimateReading(21.0, 45.0))
            self.service.tick()

    def boxes(self, n: float) -> None:
        self.put(TARE + n * UNIT)

    def drain(self) -> list[object]:
        out: list[object] = []
        while (e := self.events.get_nowait()) is not None:
            out.append(e)
        return out

    def alerts(
        self, kind: AlertKind | None = None, subject: str | None = None
    ) -> list[AlertChanged]:
        return [
            e
            for e in self.drain()
            if isinstance(e, AlertChanged)
            and (kind is None or e.kind == kind)
            and (subject is None or e.subject == subject)
        ]

    def item(self, key: str = "masks"):  # type: ignore[no-untyped-def]
        return self.service.item_view(key)

    def open_kinds(self) -> set[str]:
        return {f"{a.kind}:{a.subject}" for a in self.service.open_alerts()}

    def consume_days(self, start: int, per_day: int, days: int) -> int:
        """Take ``per_day`` boxes each day at noon, for ``days`` days; returns what is left."""
        left = start
        for _ in range(days):
            self.clock.now = (self.clock.now // DAY + 1) * DAY + 12 * 3600
            left -= per_day
            self.boxes(left)
        return left


async def started(store: Store, clock: FakeClock, cfg: StoreroomSettings | None = None) -> Rig:
    rig = Rig(store, clock, cfg)
    await rig.service.start()  # as the gateway does: the start-up read is off the loop
    return rig


async def test_weight_becomes_a_count_and_a_stock_event(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(20)
    assert rig.item().on_hand == 20
    stock = [e for e in rig.drain() if isinstance(e, StockChanged)]
    assert stock and stock[-1].item == "masks" and stock[-1].on_hand == 20
    sensor = next(s for s in rig.service.sensors() if s.key == "s1")
    assert sensor.state == "ok"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (FrameRejected("not a number"), "not a number"),
        (FrameRejected("word order looks swapped"), "word order looks swapped"),
        (ShelfWeight(math.nan), "not a weight"),
        (
            DeviceStateChanged(DeviceState.SILENT, "no answer from device 2"),
            "silent: no answer from device 2",
        ),
        (
            FrameRejected("exception response 4 (device failure)"),
            "exception response 4 (device failure)",
        ),
    ],
)
async def test_bad_input_faults_the_sensor_without_false_out(
    store: Store, clock: FakeClock, bad: object, reason: str
) -> None:
    rig = await started(store, clock)
    rig.boxes(20)
    rig.drain()
    for _ in range(600):  # a minute of bad input at 10 a second
        rig.service.handle("s1", bad)  # type: ignore[arg-type]
        clock.advance(0.1)
        rig.service.tick() if _ % 10 == 0 else None
    sensor = next(s for s in rig.service.sensors() if s.key == "s1")
    assert (sensor.state, sensor.reason) == ("fault", reason)
    assert rig.item().on_hand == 20  # the count did not move
    alerts = rig.alerts()
    assert [(a.kind, a.state) for a in alerts] == [("sensor-fault", "open")]  # one, no storm
    assert rig.open_kinds() == {"sensor-fault:s1"}


async def test_negative_or_missing_container_is_a_fault_not_out(
    store: Store, clock: FakeClock
) -> None:
    rig = await started(store, clock)
    rig.boxes(20)
    rig.put(0.0, seconds=10)  # the crate was lifted off (or the cell reads nothing)
    rig.put(-3.0, seconds=10)
    assert rig.item().on_hand == 20
    assert "out:masks" not in rig.open_kinds()
    sensor = next(s for s in rig.service.sensors() if s.key == "s1")
    assert sensor.state == "fault" and sensor.reason == "load below the container's weight"


async def test_dead_shelf_goes_stale_once(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(20)
    rig.drain()
    for _ in range(600):
        clock.advance(1)
        rig.service.tick()
    sensor = next(s for s in rig.service.sensors() if s.key == "s1")
    assert (sensor.state, sensor.reason) == ("fault", "stale: no reading for over 120 s")
    assert [(a.kind, a.state) for a in rig.alerts(subject="s1")] == [("sensor-fault", "open")]
    assert rig.item().on_hand == 20
    statuses = [e for e in rig.drain() if getattr(e, "device", None) == "s1"]
    assert statuses == []  # the stale fault was announced once, not every tick
    rig.boxes(20)
    clock.advance(31)
    rig.service.tick()
    assert [(a.kind, a.state) for a in rig.alerts(subject="s1")] == [("sensor-fault", "resolved")]


async def test_hand_on_shelf_does_not_move_the_count(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(20)
    rig.put(TARE + 20 * UNIT + 6.0, seconds=1.5)  # leaning on the shelf
    rig.boxes(20)
    assert rig.item().on_hand == 20
    assert rig.service.item_view("masks").days_of_data == 0


async def test_burn_rate_reorder_point_and_low_alert_with_order(
    store: Store, clock: FakeClock
) -> None:
    rig = await started(store, clock)
    rig.boxes(100)
    left = rig.consume_days(100, per_day=10, days=3)  # 3 days of data (day 0 partial)
    clock.now = (clock.now // DAY + 1) * DAY + 6 * 3600  # next morning
    rig.service.tick()
    assert rig.item().status == "stale"  # silent all night: its count is the last good one
    rig.boxes(left)  # reading again
    view = rig.item()
    assert left == 70 and view.on_hand == 70
    assert view.days_of_data == 3
    assert view.daily_use is not None and 0 < view.daily_use <= 10
    assert view.reorder_point is not None
    rig.drain()
    # Use 10 a day until LOW opens; it opens exactly once.
    while rig.item().status == "ok":
        left = rig.consume_days(left, per_day=10, days=1)
    fc = rig.item()
    assert fc.projected is not None and fc.reorder_point is not None
    assert fc.projected <= fc.reorder_point
    low = rig.alerts(AlertKind.LOW)
    assert [a.state for a in low] == ["open"]
    alert_id = low[0].alert_id
    # An order counts toward projected stock: LOW resolves and stops re-firing.
    await rig.service.record_order("masks", 100, "ana", alert_id=alert_id)
    states = [(a.alert_id, a.state) for a in rig.alerts(AlertKind.LOW)]
    assert states == [(alert_id, "acknowledged"), (alert_id, "resolved")]
    assert rig.item().on_order == 100
    still_open = [a for a in rig.service.open_alerts() if a.subject == "masks"]
    assert all(a.state is AlertState.ACKNOWLEDGED for a in still_open)  # e.g. CRITICAL
    rig.wait(5 * 3600)
    assert rig.alerts(AlertKind.LOW) == []
    # The delivery settles the order; the shelf then weighs the new stock.
    await rig.service.record_delivery("masks", 100, "ana")
    assert rig.item().on_order == 0
    rig.boxes(left + 100)
    assert rig.item().on_hand == left + 100
    assert "low:masks" not in rig.open_kinds()


async def test_critical_and_out_and_renotify(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(100)
    left = rig.consume_days(100, per_day=20, days=3)
    rig.drain()
    left = rig.consume_days(left, per_day=20, days=1)  # 20 left, 20 a day: 1 day < 5
    assert rig.item().status in ("critical", "low")
    assert "critical:masks" in rig.open_kinds()
    critical = rig.service.alerting.get(AlertKind.CRITICAL, "masks")
    assert critical is not None
    rig.drain()
    rig.wait(1800)
    assert rig.alerts(AlertKind.CRITICAL) == []  # not yet due
    rig.wait(1800)
    again = rig.alerts(AlertKind.CRITICAL)
    assert [a.alert_id for a in again] == [critical.alert_id]  # re-notified, same episode
    renotified = rig.service.alerting.get(AlertKind.CRITICAL, "masks")
    assert renotified is not None and renotified.notify_count == critical.notify_count + 1
    critical = renotified
    await rig.service.acknowledge(critical.alert_id, "ana")
    rig.wait(3 * 3600)
    assert [a.state for a in rig.alerts(AlertKind.CRITICAL)] == ["acknowledged"]
    rig.boxes(0)  # the empty crate: a real "none left"
    assert [a.state for a in rig.alerts(AlertKind.OUT)] == ["open"]
    rig.boxes(30)
    assert [a.state for a in rig.alerts(AlertKind.OUT)] == ["resolved"]


async def test_low_alert_does_not_flap_near_the_threshold(store: Store, clock: FakeClock) -> None:
    cfg = settings()
    cfg = cfg.model_copy(
        update={"items": (cfg.items[0].model_copy(update={"minimum": 40.0}), cfg.items[1])}
    )
    rig = await started(store, clock, cfg)
    rig.boxes(60)
    rig.boxes(40)
    assert [a.state for a in rig.alerts(AlertKind.LOW)] == ["open"]
    for n in (41, 40, 42, 41, 40, 43, 41):  # hovering around the reorder point (40)
        rig.boxes(n)
    assert rig.alerts(AlertKind.LOW) == []
    rig.boxes(45)  # clearly above: 40 + max(10 %, 1 unit) = 44
    assert [a.state for a in rig.alerts(AlertKind.LOW)] == ["resolved"]


async def test_manual_counts_and_deliveries(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    # A hand-counted item: counts and deliveries are its stock.
    await rig.service.record_count("batteries", 30, "ana")
    await rig.service.record_delivery("batteries", 12, "ana")
    assert rig.item("batteries").on_hand == 42
    # A weighed item: a manual count re-zeroes the shelf's weight-to-count map.
    rig.boxes(20)
    await rig.service.record_count("masks", 18, "ana", note="two boxes damaged")
    assert rig.item().on_hand == 18
    rig.boxes(19)  # a box taken off the shelf: 17 left after the correction
    assert rig.item().on_hand == 17
    with pytest.raises(Exception, match="whole number"):
        await rig.service.record_count("masks", 2.5, "ana")
    await store.write(lambda db: None)
    rows = store.read_sync(
        lambda db: list(db.query("SELECT item, count, note FROM storeroom_counts"))
    )
    assert rows[-1] == {"item": "masks", "count": 18, "note": "two boxes damaged"}


async def test_climate_out_of_range_for_the_configured_time(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    for _ in range(5):  # 35 °C for 500 s: not yet
        rig.service.handle("room", ClimateReading(35.0, 50.0))
        clock.advance(100)
        rig.service.tick()
    assert rig.alerts(AlertKind.CLIMATE) == []
    rig.service.handle("room", ClimateReading(35.0, 50.0))
    clock.advance(100)
    rig.service.tick()
    assert [a.state for a in rig.alerts(AlertKind.CLIMATE)] == ["open"]
    rig.service.handle("room", ClimateReading(29.8, 50.0))  # inside, but within the margin
    assert rig.alerts(AlertKind.CLIMATE) == []
    rig.service.handle("room", ClimateReading(25.0, 50.0))
    assert [a.state for a in rig.alerts(AlertKind.CLIMATE)] == ["resolved"]


async def test_restart_restores_stock_and_alerts(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(0)
    out = rig.service.alerting.get(AlertKind.OUT, "masks")
    assert out is not None and out.alert_id == "out:masks:1"
    await store.write(lambda db: None)
    again = await started(store, clock)
    assert again.item().on_hand == 0
    restored = again.service.alerting.get(AlertKind.OUT, "masks")
    assert restored is not None and restored.alert_id == "out:masks:1"
    assert restored.state is AlertState.OPEN
    again.boxes(10)
    again.boxes(0)
    reopened = again.service.alerting.get(AlertKind.OUT, "masks")
    assert reopened is not None and reopened.alert_id == "out:masks:2"
    await store.write(lambda db: None)
    history = await again.service.alert_history()
    assert {(a.alert_id, a.state) for a in history} >= {
        ("out:masks:1", AlertState.RESOLVED),
        ("out:masks:2", AlertState.OPEN),
    }
    changes = await again.service.alerts_since(0.0)
    assert [a.alert_id for a in changes][-1] == "out:masks:2"
    trend = await again.service.trend("masks", days=1)
    assert [v for _, v in trend] == [0.0, 10.0, 0.0]


async def test_flapping_sensor_is_one_fault_not_a_storm(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(20)
    rig.drain()
    for n in range(1200):  # two minutes of a cell alternating good, NaN and negative
        bad: list[DeviceEvent] = [
            FrameRejected("not a number"),
            ShelfWeight(TARE + 20 * UNIT),
            ShelfWeight(-9.0),
        ]
        rig.service.handle("s1", bad[n % 3])
        clock.advance(0.1)
        if n % 10 == 0:
            rig.service.tick()
    events = rig.drain()
    statuses = [e for e in events if getattr(e, "device", None) == "s1"]
    alerts = [e for e in events if isinstance(e, AlertChanged)]
    assert len(statuses) == 1 and statuses[0].state == "fault"  # type: ignore[attr-defined]
    assert [(a.kind, a.state) for a in alerts] == [("sensor-fault", "open")]
    assert rig.item().on_hand == 20
    sensor = next(s for s in rig.service.sensors() if s.key == "s1")
    assert sensor.rejected["not a number"] == 400  # every bad reading counted


async def test_a_shelf_below_its_container_is_a_fault_not_also_out(
    store: Store, clock: FakeClock
) -> None:
    rig = await started(store, clock)
    rig.boxes(0)  # the empty crate: a true "none left"
    assert rig.open_kinds() == {"out:masks"}
    rig.put(0.0)  # the crate is lifted off: the shelf reads less than the crate weighs
    view = rig.item()
    assert (view.status, view.stale, view.on_hand) == ("stale", True, 0)  # the last good count
    sensor = next(s for s in rig.service.sensors() if s.key == "s1")
    assert (sensor.state, sensor.reason) == ("fault", "load below the container's weight")
    rig.drain()
    rig.wait(60)  # the fault lasts: it becomes an alert, and the stock alert is withdrawn
    assert rig.open_kinds() == {"sensor-fault:s1"}
    [withdrawn] = rig.alerts(AlertKind.OUT)
    assert withdrawn.state == "resolved"
    assert (
        withdrawn.message
        == "FFP2 masks: stock not known while shelf s1 is faulty (last good count 0 box)"
    )
    rig.put(-2.0)  # more garbage: no stock alert comes from a faulty shelf
    rig.wait(600)
    assert rig.open_kinds() == {"sensor-fault:s1"}
    assert rig.item().on_hand == 0
    rig.boxes(12)  # the crate is back, refilled
    rig.wait(60)
    assert (rig.item().status, rig.item().stale, rig.item().on_hand) == ("ok", False, 12)
    assert rig.open_kinds() == set()
    rig.boxes(0)  # and emptied again: a new episode, told afresh
    out = rig.service.alerting.get(AlertKind.OUT, "masks")
    assert out is not None and out.alert_id == "out:masks:2"


async def test_a_short_fault_leaves_stock_alerts_alone(store: Store, clock: FakeClock) -> None:
    rig = await started(store, clock)
    rig.boxes(0)
    rig.drain()
    rig.put(0.0, seconds=3.5)  # lifted for a moment: faulty, shown stale, but no alert yet
    assert rig.item().status == "stale"
    rig.boxes(0)
    assert rig.item().status == "out" and rig.open_kinds() == {"out:masks"}
    assert rig.alerts() == []  # nothing withdrawn, nothing re-opened
