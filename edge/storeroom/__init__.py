"""The smart storeroom: shelf and climate sensors, stock, consumption forecast, alerts, page.

The runtime wires it as a part (see ``edge/runtime/assembly.py``)::

    store = Store(path, [..., storeroom.MIGRATIONS])
    service = StoreroomService(settings.storeroom, store, bus)
    app.include_router(create_router(service, require_user=...))
    task_group.create_task(service.run(), name="storeroom")

Names load on first use (PEP 562): the gateway's configuration imports the settings whether or
not it has a storeroom, and the service brings in pymodbus.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge.storeroom.migrations import MIGRATIONS
    from edge.storeroom.service import StoreroomService
    from edge.storeroom.settings import StoreroomSettings
    from edge.storeroom.web import create_router

_WHERE = {
    "MIGRATIONS": "migrations",
    "StoreroomService": "service",
    "StoreroomSettings": "settings",
    "create_router": "web",
}

__all__ = ["MIGRATIONS", "StoreroomService", "StoreroomSettings", "create_router"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
