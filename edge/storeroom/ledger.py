"""The stock ledger: what is on hand and on order per item, what was used per day, the forecast.

Every change of stock comes here, whatever its cause (a shelf's settled weight, a manual count,
a delivery of a hand-counted item), is recorded (history, daily use, current stock) and moves
the item's forecast (see :mod:`edge.storeroom.forecast`). The ledger publishes
:class:`~edge.core.events.StockChanged`; whether a change opens or resolves an alert is
:mod:`edge.storeroom.stock_alerts`' business.

Days are UTC days since the epoch. A forecast uses complete days only: not today, and not the
first day an item was watched (it began part-way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from edge.core.bus import Bus
from edge.core.events import StockChanged
from edge.storeroom import records
from edge.storeroom.errors import UnknownItemError
from edge.storeroom.forecast import Forecast, forecast
from edge.storeroom.settings import ForecastSettings, ItemSettings
from edge.storeroom.stock import offset_for_count

DAY = 86400.0
NO_FORECAST = Forecast(0, None, None, None, None, None)


def day_of(at: float) -> int:
    return int(at // DAY)


@dataclass(eq=False)
class ItemStock:
    settings: ItemSettings
    on_hand: float | None = None  # None until a shelf or a count has said
    on_order: float = 0.0
    offset_kg: float = 0.0  # left by a manual count on a weighed shelf
    daily: dict[int, float] = field(default_factory=dict)  # day -> units used
    forecast: Forecast = NO_FORECAST
    last_weight: float | None = None  # the shelf's last accepted weight

    @property
    def key(self) -> str:
        return self.settings.key

    @property
    def name(self) -> str:
        return self.settings.name or self.settings.key

    @property
    def weighed(self) -> bool:
        return self.settings.shelf is not None

    @property
    def projected(self) -> float | None:
        return None if self.on_hand is None else self.on_hand + self.on_order


class StockLedger:
    def __init__(
        self,
        items: tuple[ItemSettings, ...],
        settings: ForecastSettings,
        write: Callable[[records.Write], None],
        bus: Bus,
    ) -> None:
        self._settings = settings
        self._write = write
        self._bus = bus
        self._items = {i.key: ItemStock(i) for i in items}
        self.by_shelf = {i.settings.shelf: i for i in self._items.values() if i.settings.shelf}

    def __iter__(self) -> Iterator[ItemStock]:
        return iter(self._items.values())

    def __getitem__(self, key: str) -> ItemStock:
        stock = self._items.get(key)
        if stock is None:
            raise UnknownItemError(key)
        return stock

    def history_since(self, now: float) -> int:
        """The first day a forecast at ``now`` can use (and the one before it, watched part-way)."""
        return day_of(now) - self._settings.window_days - 1

    def restore(self, snapshot: records.Snapshot, now: float) -> None:
        for key, row in snapshot.stock.items():
            stock = self._items.get(key)
            if stock is not None:
                stock.on_hand = row["on_hand"]
                stock.on_order = row["on_order"]
                stock.offset_kg = row["offset_kg"]
        for key, daily in snapshot.daily_use.items():
            if key in self._items:
                self._items[key].daily = dict(daily)
        for stock in self._items.values():
            self._refresh_forecast(stock, now)

    # -- changes ---------------------------------------------------------------------------
    def set_on_hand(self, stock: ItemStock, on_hand: float, now: float, cause: str) -> bool:
        """Record a new on-hand figure (``cause``: "sensor", "count", "delivery").

        Returns whether it changed. A fall counts as use when the shelf saw it (a manual count
        corrects the figure, it does not consume); hand-counted items have no other witness.
        """
        previous = stock.on_hand
        if previous == on_hand:
            return False
        stock.on_hand = on_hand
        day = day_of(now)
        if previous is not None and on_hand < previous and (cause == "sensor" or not stock.weighed):
            stock.daily[day] = stock.daily.get(day, 0.0) + (previous - on_hand)
            self._write(records.save_daily_use(stock.key, day, stock.daily[day]))
        elif not stock.daily:
            stock.daily[day] = 0.0  # the first day this item is watched
            self._write(records.save_daily_use(stock.key, day, 0.0))
        self._write(records.add_history(stock.key, now, on_hand, cause))
        self.save(stock, now)
        self._refresh_forecast(stock, now)
        self.publish(stock, now)
        return True

    def add_order(self, stock: ItemStock, quantity: float, now: float) -> None:
        stock.on_order += quantity
        self.save(stock, now)
        self.publish(stock, now)

    def receive(self, stock: ItemStock, quantity: float, now: float) -> None:
        """Goods received: they settle open orders; a hand-counted item also gains stock.

        A weighed item gains stock when the goods are on its shelf, not when they are booked
        in: counting both would count them twice.
        """
        stock.on_order = max(stock.on_order - quantity, 0.0)
        self.save(stock, now)
        if not stock.weighed:
            self.set_on_hand(stock, (stock.on_hand or 0.0) + quantity, now, "delivery")
        self.publish(stock, now)

    def recount(self, stock: ItemStock, count: int, now: float) -> None:
        """A manual count: the truth. On a weighed shelf it re-zeroes the weight-to-count map."""
        if stock.weighed and stock.last_weight is not None:
            stock.offset_kg = offset_for_count(stock.settings, stock.last_weight, count)
        self.save(stock, now)
        self.set_on_hand(stock, float(count), now, "count")

    def new_day(self, now: float) -> None:
        """Yesterday is complete: every forecast moves (and is published)."""
        for stock in self._items.values():
            self._refresh_forecast(stock, now)
            self.publish(stock, now)

    # -- records and news ------------------------------------------------------------------
    def save(self, stock: ItemStock, now: float) -> None:
        self._write(
            records.save_stock(stock.key, stock.on_hand, stock.on_order, stock.offset_kg, now)
        )

    def publish(self, stock: ItemStock, now: float) -> None:
        if stock.on_hand is None:
            return
        fc = stock.forecast
        self._bus.publish(
            StockChanged(
                stock.key,
                stock.on_hand,
                stock.settings.unit,
                fc.days_of_supply,
                fc.reorder_point,
                now,
            )
        )

    def _refresh_forecast(self, stock: ItemStock, now: float) -> None:
        today = day_of(now)
        cfg = self._settings
        first = min(stock.daily, default=today)
        days = range(max(first + 1, today - cfg.window_days), today)
        stock.forecast = forecast(
            [stock.daily.get(d, 0.0) for d in days],
            stock.on_hand or 0.0,
            lead_time_days=stock.settings.lead_time_days,
            service_level=cfg.service_level,
            smoothing=cfg.smoothing,
            min_history_days=cfg.min_history_days,
            minimum=stock.settings.minimum,
        )
