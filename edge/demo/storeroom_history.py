"""Two weeks of a storeroom's life, made up for the demo: daily draws and a delivery per item.

A storeroom's forecast needs history: days of supply and the reorder point come from daily use,
and the trend chart from stock over the last week. A fresh demo has none, so its predictive half
would be blank; this writes into the store what a real one would have recorded by now:

- each day, a few draws at working hours (local time), more on working days than at weekends;
- one order placed a lead time before a delivery, which went onto the shelf that morning;
- the level the shelf started at two weeks ago, chosen so that the history ends at exactly
  what the simulated shelf holds now (so the first live reading moves nothing).

The numbers are random but reproducible (a fixed seed), and never below one unit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlite_utils

from edge.core.store import Store
from edge.storeroom import records
from edge.storeroom.ledger import DAY, day_of
from edge.storeroom.migrations import MIGRATIONS

HISTORY_DAYS = 15  # the first is part-watched, so the forecast has 14 complete days
KEEPER = "keeper"


@dataclass(frozen=True, slots=True)
class DemoItem:
    key: str
    name: str
    unit: str
    unit_weight_kg: float
    container_tare_kg: float
    lead_time_days: float
    minimum: float
    shelf: str
    address: int  # on the simulated RS-485 bus
    profile: str  # a weight profile of firmware_interfaces.modbus.profiles
    capacity_kg: float
    on_shelf: int  # units on the shelf when the demo starts
    weekday_use: tuple[int, int]  # units drawn on a working day, lowest and highest
    weekend_use: tuple[int, int]
    delivery: tuple[int, int]  # the last delivery: (days ago, units)


@dataclass(frozen=True, slots=True)
class ItemHistory:
    item: DemoItem
    started: float  # when the shelf was first counted
    start_units: int
    draws: tuple[tuple[float, int], ...]  # (at, units taken), oldest first
    ordered_at: float
    delivered_at: float  # booked in; on the shelf a little later
    shelved_at: float
    delivered: int

    def levels(self) -> list[tuple[float, int, str]]:
        """(at, units on hand, cause) for every change, oldest first."""
        changes = [(at, -units) for at, units in self.draws] + [(self.shelved_at, self.delivered)]
        level = self.start_units
        out = [(self.started, level, "count")]
        for at, delta in sorted(changes):
            level += delta
            out.append((at, level, "sensor"))
        return out

    def daily_use(self, now: float) -> dict[int, int]:
        """Units used per (UTC) day, every day from the first to today, zeros included."""
        used = dict.fromkeys(range(day_of(self.started), day_of(now) + 1), 0)
        for at, units in self.draws:
            used[day_of(at)] += units
        return used


def _local(day: datetime, hour: float) -> float:
    return (day + timedelta(hours=hour)).timestamp()


def make_history(item: DemoItem, now: float, rng: random.Random) -> ItemHistory:
    today = datetime.fromtimestamp(now).astimezone().replace(hour=0, minute=0, second=0)
    today = today.replace(microsecond=0)
    draws: list[tuple[float, int]] = []
    for back in range(HISTORY_DAYS, -1, -1):
        day = today - timedelta(days=back)
        low, high = item.weekend_use if day.weekday() >= 5 else item.weekday_use
        units = rng.randint(low, high)
        times = sorted(_local(day, rng.uniform(8.0, 18.0)) for _ in range(rng.randint(1, 4)))
        for n, at in enumerate(times):
            take = units if n == len(times) - 1 else rng.randint(0, units)
            units -= take
            if take and at < now:
                draws.append((at, take))
    days_ago, wanted = item.delivery
    delivered_at = _local(today - timedelta(days=days_ago), 10.5)
    shelved_at = delivered_at + 20 * 60
    used_after = sum(units for at, units in draws if at > shelved_at)
    # Never below one unit before the delivery: it came because stock ran low, not out.
    delivered = max(min(wanted, item.on_shelf + used_after - 1), 0)
    started = _local(today - timedelta(days=HISTORY_DAYS), 7.0)
    total = sum(units for _, units in draws)
    return ItemHistory(
        item=item,
        started=started,
        start_units=item.on_shelf + total - delivered,
        draws=tuple(draws),
        ordered_at=delivered_at - item.lead_time_days * DAY,
        delivered_at=delivered_at,
        shelved_at=shelved_at,
        delivered=delivered,
    )


def _write_history(db: sqlite_utils.Database, h: ItemHistory, now: float) -> None:
    key = h.item.key
    count = {"item": key, "at": h.started, "count": h.start_units, "previous": None}
    records.add_row("storeroom_counts", count | {"user": KEEPER, "note": "shelf installed"})(db)
    if h.delivered:
        order = {"item": key, "at": h.ordered_at, "quantity": h.delivered, "user": KEEPER}
        records.add_row("storeroom_orders", order | {"note": "reorder point reached"})(db)
        delivery = {"item": key, "at": h.delivered_at, "quantity": h.delivered, "user": KEEPER}
        records.add_row("storeroom_deliveries", delivery | {"note": "supplier delivery"})(db)
    for at, level, cause in h.levels():
        records.add_history(key, at, level, cause)(db)
    for day, used in h.daily_use(now).items():
        records.save_daily_use(key, day, used)(db)
    records.save_stock(key, h.item.on_shelf, 0.0, 0.0, now)(db)


def seed_usage_history(
    db_path: Path, items: tuple[DemoItem, ...], now: float, *, seed: int = 2026
) -> bool:
    """Write the history of ``items`` into the gateway's store, unless it has stock already.

    Returns whether it wrote anything (a demo reusing its data folder keeps what it has).
    """
    rng = random.Random(seed)
    histories = [make_history(item, now, rng) for item in items]

    def write(db: sqlite_utils.Database) -> bool:
        if db.execute("SELECT count(*) FROM storeroom_stock").fetchone()[0]:
            return False
        for h in histories:
            _write_history(db, h, now)
        return True

    with Store(db_path, [MIGRATIONS], synchronous="NORMAL") as store:
        return store.write_sync(write)
