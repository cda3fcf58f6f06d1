"""Weight filter, weight-to-count and forecast arithmetic."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.storeroom.filter import FilterParams, WeightFilter
from edge.storeroom.forecast import days_of_supply, forecast, smoothed, z_score
from edge.storeroom.settings import ItemSettings
from edge.storeroom.stock import count_from_weight, offset_for_count

UNIT = 0.5  # kg per box
PARAMS = FilterParams(window=5, settle_seconds=3.0, band_kg=UNIT / 2, threshold_kg=UNIT / 2)


def feed(f: WeightFilter, start: float, weights: list[float], step: float = 0.1) -> list[float]:
    accepted = []
    for i, w in enumerate(weights):
        out = f.feed(start + i * step, w)
        if out is not None:
            accepted.append(out)
    return accepted


def settled(weight: float = 10.0) -> WeightFilter:
    f = WeightFilter(PARAMS)
    assert feed(f, 0.0, [weight] * 40) == [weight]
    return f


def test_hand_on_shelf_moves_nothing() -> None:
    f = settled()
    # A hand presses for 1.5 s (15 readings at 10/s), then leaves.
    assert feed(f, 10.0, [10.0] * 5 + [18.0] * 15 + [10.0] * 40) == []
    assert f.accepted == 10.0


def test_single_spikes_and_noise_move_nothing() -> None:
    f = settled()
    noisy = [10.0 + (0.08 if i % 2 else -0.08) for i in range(60)]
    noisy[10] = 55.0
    noisy[30] = -20.0
    assert feed(f, 10.0, noisy) == []


def test_box_pushed_aside_and_back_moves_nothing() -> None:
    f = settled()
    # Weight comes off for a second while the box is slid, then is back.
    assert feed(f, 10.0, [10.0] * 3 + [0.4] * 10 + [10.0] * 40) == []


def test_a_real_removal_moves_the_weight_after_settling() -> None:
    f = settled()
    out = feed(f, 10.0, [9.5] * 20)  # 2 s: not settled yet
    assert out == []
    out = feed(f, 12.0, [9.5] * 20)
    assert out == [9.5]


ITEM = ItemSettings(
    key="gloves",
    unit="box",
    unit_weight_kg=UNIT,
    shelf="s1",
    container_tare_kg=1.0,
    lead_time_days=5,
)


@pytest.mark.parametrize(
    ("kg", "count", "reason"),
    [
        (11.0, 20, ""),
        (11.1, 20, ""),  # within tolerance of 20 boxes
        (11.25, 20, "between counts"),  # half a box: round down
        (1.0, 0, ""),  # the empty container: truly none left
        (0.0, None, "load below the container's weight"),  # container gone: not "out"
    ],
)
def test_count_from_weight(kg: float, count: int | None, reason: str) -> None:
    result = count_from_weight(ITEM, kg)
    assert (result.count, result.reason) == (count, reason)


def test_manual_count_offset_reconciles() -> None:
    offset = offset_for_count(ITEM, 11.2, 20)
    assert count_from_weight(ITEM, 11.2, offset).count == 20
    assert count_from_weight(ITEM, 10.7, offset).count == 19


def test_burn_rate_needs_two_days() -> None:
    fc = forecast([10.0], 100, lead_time_days=5, service_level=0.95, smoothing=0.3, minimum=7)
    assert fc.daily_use is None and fc.days_of_supply is None
    assert fc.reorder_point == 7  # the configured minimum stands in


def test_reorder_point_with_safety_stock() -> None:
    daily = [8.0, 12.0, 10.0, 10.0]
    fc = forecast(daily, 100, lead_time_days=4, service_level=0.95, smoothing=1.0)
    sigma = math.sqrt(sum((d - 10) ** 2 for d in daily) / 3)
    assert fc.daily_use == 10.0  # smoothing 1.0: the newest day
    assert fc.daily_use_sigma == pytest.approx(sigma)
    assert fc.safety_stock == pytest.approx(1.6449 * sigma * 2, rel=1e-4)
    assert fc.reorder_point == pytest.approx(40 + 1.6449 * sigma * 2, rel=1e-4)
    assert fc.days_of_supply == 10.0  # 100 on hand / 10 a day (CDC burn rate)


def test_constant_use_needs_no_safety_stock() -> None:
    fc = forecast([5.0] * 7, 30, lead_time_days=3, service_level=0.99, smoothing=0.3)
    assert fc.daily_use == pytest.approx(5.0)
    assert fc.safety_stock == 0.0
    assert fc.reorder_point == pytest.approx(15.0)
    assert fc.days_of_supply == pytest.approx(6.0)


def test_helpers() -> None:
    assert z_score(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert z_score(0.5 + 0.3413) == pytest.approx(1.0, abs=1e-3)
    # seeded with the mean 2.5, halved four times, plus half of the last day
    assert smoothed([0, 0, 0, 10], 0.5) == pytest.approx(2.5 / 16 + 5.0)
    assert days_of_supply(10, 0) is None
    assert days_of_supply(-3, 2) == 0.0


@settings(deadline=None, max_examples=60)  # no deadline: CI is a loaded 2-core box
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-50, max_value=200, allow_nan=False),  # what the cell reads
            st.integers(min_value=1, max_value=25),  # for how many readings (< 3 s at 10/s)
        ),
        max_size=20,
    )
)
def test_no_short_disturbance_moves_the_weight(disturbances: list[tuple[float, int]]) -> None:
    f = settled()
    t = 10.0
    for value, length in disturbances:
        for _ in range(length):
            assert f.feed(t, value) is None
            t += 0.1
        for _ in range(6):  # back to normal between disturbances, briefly
            assert f.feed(t, 10.0) is None
            t += 0.1
    assert f.accepted == 10.0
