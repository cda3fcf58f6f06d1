"""Plain JSON shapes of the service's read models and the bus's events."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from edge.checkpoint.service import DeviceView, LaneView, ScreeningView
from edge.core.events import GatewayEvent


def _finite(value: Any) -> Any:
    # JSON has no NaN; the browser's JSON.parse would reject the whole message.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def plain(view: ScreeningView | DeviceView | LaneView) -> dict[str, Any]:
    return {k: _finite(v) for k, v in dataclasses.asdict(view).items()}


def event_json(event: GatewayEvent) -> dict[str, Any]:
    """An event as JSON with its class name as ``type`` (``ScreeningDecided``, ...)."""
    data = {f.name: _finite(getattr(event, f.name)) for f in dataclasses.fields(event)}
    data["type"] = type(event).__name__
    return data


def device_summary(devices: list[DeviceView]) -> dict[str, int]:
    summary: dict[str, int] = {"total": len(devices)}
    for device in devices:
        summary[device.state] = summary.get(device.state, 0) + 1
    return summary
