"""Consumption and reorder arithmetic (pure functions, no clock).

Days of supply follows the CDC PPE burn-rate calculator: stock on hand ÷ average daily use,
from at least two days of data. Daily use is exponentially smoothed so one unusual day moves it
only a little. The reorder point is the classic one for a normally distributed daily demand and
a fixed lead time L::

    reorder point = daily use × L + Z × σ(daily use) × √L

with Z the standard normal quantile of the configured cycle service level (0.95 -> 1.645). An
item's configured minimum is a floor under the reorder point.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Forecast:
    days_of_data: int
    daily_use: float | None  # None until there are enough days
    daily_use_sigma: float | None
    safety_stock: float | None
    reorder_point: float | None  # None: no data and no minimum
    days_of_supply: float | None  # None: no data, or nothing is being used


def z_score(service_level: float) -> float:
    return statistics.NormalDist().inv_cdf(service_level)


def smoothed(values: Sequence[float], alpha: float) -> float:
    """Exponentially weighted mean, oldest value first, seeded with the plain mean."""
    level = statistics.fmean(values)
    for value in values:
        level = alpha * value + (1 - alpha) * level
    return level


def days_of_supply(on_hand: float, daily_use: float | None) -> float | None:
    if daily_use is None or daily_use <= 0:
        return None
    return max(on_hand, 0.0) / daily_use


def forecast(
    daily: Sequence[float],
    on_hand: float,
    *,
    lead_time_days: float,
    service_level: float,
    smoothing: float,
    min_history_days: int = 2,
    minimum: float | None = None,
) -> Forecast:
    """Forecast from ``daily`` use (complete days, oldest first)."""
    if len(daily) < max(min_history_days, 2):
        return Forecast(len(daily), None, None, None, minimum, None)
    use = smoothed(daily, smoothing)
    sigma = statistics.stdev(daily)
    safety = z_score(service_level) * sigma * math.sqrt(lead_time_days)
    rop = use * lead_time_days + safety
    if minimum is not None:
        rop = max(rop, minimum)
    return Forecast(len(daily), use, sigma, safety, rop, days_of_supply(on_hand, use))
