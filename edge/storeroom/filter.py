"""Shelf weight filtering: a hand on the shelf, a box pushed aside or a noisy cell moves nothing.

Three stages, each cheap enough for ten readings a second on hundreds of shelves:

1. a running median over the last ``window`` readings removes single spikes;
2. the median must *settle*: stay within ``band_kg`` of where it arrived for ``settle_seconds``
   (a hand resting on the shelf, a box being slid, leave before that);
3. the settled weight replaces the accepted one only when it differs by at least
   ``threshold_kg`` (half a unit by default), so cell noise and drift never move a count.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FilterParams:
    window: int
    settle_seconds: float
    band_kg: float
    threshold_kg: float


class WeightFilter:
    def __init__(self, params: FilterParams) -> None:
        self.params = params
        self._recent: collections.deque[float] = collections.deque(maxlen=params.window)
        self._settling: float | None = None
        self._settling_since = 0.0
        self.accepted: float | None = None

    def reset(self) -> None:
        """Forget the recent readings (after a fault); the accepted weight stays."""
        self._recent.clear()
        self._settling = None

    def feed(self, at: float, kilograms: float) -> float | None:
        """Add a reading; return the new accepted weight when it changes, else ``None``."""
        self._recent.append(kilograms)
        ordered = sorted(self._recent)  # statistics.median, without its overhead per reading
        n = len(ordered)
        median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
        if self._settling is None or abs(median - self._settling) > self.params.band_kg:
            self._settling = median
            self._settling_since = at
        if at - self._settling_since < self.params.settle_seconds:
            return None
        if self.accepted is None or abs(median - self.accepted) >= self.params.threshold_kg:
            self.accepted = median
            return median
        return None
