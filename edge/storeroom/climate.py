"""Storage climate against its range, as a condition for the CLIMATE alert (pure: no clock).

Out of range (too cold, too warm, too damp) for ``alert_after_seconds`` raises; back inside the
range by the clear margins resolves at once; in between, nothing, so a room that hovers at a
limit neither opens nor resolves anything.
"""

from __future__ import annotations

from edge.storeroom import messages
from edge.storeroom.alerts import Trigger
from edge.storeroom.settings import ClimateSettings

Condition = tuple[Trigger | None, str]  # a trigger for the alert table, and its message


class ClimateWatch:
    def __init__(self, settings: ClimateSettings) -> None:
        self.settings = settings
        self.out_since: float | None = None
        self._out_reading = ""

    def observe(self, celsius: float, humidity: float, now: float) -> Condition:
        """A reading: CLEAR when clearly back in range, else whatever :meth:`due` says."""
        cfg = self.settings
        if celsius < cfg.min_celsius or celsius > cfg.max_celsius or humidity > cfg.max_humidity:
            if self.out_since is None:
                self.out_since = now
            self._out_reading = messages.climate_reading(cfg.key, celsius, humidity)
            return self.due(now)
        self.out_since = None
        inside = (
            cfg.min_celsius + cfg.clear_margin_celsius
            <= celsius
            <= cfg.max_celsius - cfg.clear_margin_celsius
            and humidity <= cfg.max_humidity - cfg.clear_margin_humidity
        )
        if inside:
            return Trigger.CLEAR, messages.climate_back_in_range(cfg.key, celsius, humidity)
        return None, ""

    def due(self, now: float) -> Condition:
        """RAISE once the room has been out of range for long enough."""
        cfg = self.settings
        if self.out_since is None or now - self.out_since < cfg.alert_after_seconds:
            return None, ""
        message = messages.climate_out_of_range(
            cfg.min_celsius, cfg.max_celsius, cfg.max_humidity, self._out_reading
        )
        return Trigger.RAISE, message
