"""The demo's storeroom starts with two weeks of history: forecast and trend from the first minute.

On a real store (SQLite), then with the demo's own Modbus shelves (pymodbus's server on a pty
pair) and the service running, as ``edge-gateway demo`` runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import statistics
import time
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from edge.core.bus import Bus
from edge.core.store import Store
from edge.demo.storeroom import ITEMS, MASKS, demo_storeroom, storeroom_toml
from edge.demo.storeroom_history import DemoItem, make_history, seed_usage_history
from edge.storeroom import MIGRATIONS, StoreroomService
from edge.storeroom.settings import StoreroomSettings
from tests.storeroom.conftest import eventually

NOW = 1_800_000_000.0 + 15 * 3600  # a fixed moment: the history does not depend on the day run


def demo_settings(port: str) -> StoreroomSettings:
    return StoreroomSettings.model_validate(tomllib.loads(storeroom_toml(port))["storeroom"])


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.key)
def test_history_ends_at_the_shelf_and_looks_like_use(item: DemoItem) -> None:
    h = make_history(item, NOW, random.Random(1))
    levels = h.levels()
    assert levels[-1][1] == h.item.on_shelf  # the first live reading moves nothing
    assert min(level for _, level, _ in levels) >= 1  # restocked before it ran out
    assert NOW - h.started >= 14 * 86400
    assert h.delivered > 0 and h.ordered_at < h.delivered_at < h.shelved_at < NOW
    assert sorted(h.draws) == list(h.draws) and all(at < NOW for at, _ in h.draws)
    used = h.daily_use(NOW)
    assert sum(used.values()) == sum(units for _, units in h.draws)


def test_working_days_draw_more_than_weekends() -> None:
    h = make_history(MASKS, NOW, random.Random(1))
    by_day: dict[str, int] = {}
    for at, units in h.draws:
        day = datetime.fromtimestamp(at).astimezone()
        key = day.date().isoformat()
        by_day[key] = by_day.get(key, 0) + units
    weekend = [n for d, n in by_day.items() if datetime.fromisoformat(d).weekday() >= 5]
    weekday = [n for d, n in by_day.items() if datetime.fromisoformat(d).weekday() < 5]
    assert weekend and weekday
    assert statistics.fmean(weekday) > statistics.fmean(weekend) + 2


async def test_the_seeded_store_forecasts_from_the_start(tmp_path: Path) -> None:
    db = tmp_path / "data" / "gateway.db"
    assert seed_usage_history(db, ITEMS, NOW) is True
    assert seed_usage_history(db, ITEMS, NOW) is False  # a reused data folder keeps its own
    with Store(db, [MIGRATIONS]) as store:
        service = StoreroomService(demo_settings("/dev/null"), store, Bus(), clock=lambda: NOW)
        await service.start()
        for item in ITEMS:
            view = service.item_view(item.key)
            assert view.on_hand == item.on_shelf
            assert view.days_of_data >= 14
            assert view.daily_use is not None and view.daily_use > 0
            assert view.days_of_supply is not None and view.days_of_supply > item.lead_time_days
            assert view.reorder_point is not None
            assert item.minimum <= view.reorder_point < item.on_shelf  # from use, not the floor
        trend = await service.trend(MASKS.key, days=7)
        assert len(trend) >= 8 and trend[-1][1] == MASKS.on_shelf
        rises = [b[1] - a[1] for a, b in itertools.pairwise(trend) if b[1] > a[1]]
        assert rises and max(rises) >= 40  # the delivery, inside the week the chart shows


async def test_the_demo_storeroom_shows_its_forecast_once_the_shelves_read(tmp_path: Path) -> None:
    async with demo_storeroom() as room:
        db = tmp_path / "gateway.db"
        now = time.time()
        room.seed_history(db, now)
        with Store(db, [MIGRATIONS]) as store:
            service = StoreroomService(demo_settings(room.gateway_port), store, Bus())
            task = asyncio.create_task(service.run())
            try:
                await eventually(lambda: all(s.state == "ok" for s in service.sensors()), limit=20)
                for item in ITEMS:
                    view = service.item_view(item.key)
                    assert (view.on_hand, view.status) == (item.on_shelf, "ok")
                    assert view.days_of_supply is not None and view.reorder_point is not None
                assert service.open_alerts() == []
                room.masks.kilograms = MASKS.container_tare_kg  # every box taken
                await eventually(
                    lambda: {a.kind for a in service.open_alerts()} == {"out", "low", "critical"}
                )
                assert service.item_view(MASKS.key).status == "out"
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
