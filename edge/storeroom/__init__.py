"""The smart storeroom: shelf and climate sensors, stock, consumption forecast, alerts, page.

The runtime wires it as a part (see ``/work/notes/integration-contracts.md``)::

    store = Store(path, [..., storeroom.MIGRATIONS])
    service = StoreroomService(settings.storeroom, store, bus)
    app.include_router(create_router(service, require_user=...))
    task_group.create_task(service.run(), name="storeroom")
"""

from edge.storeroom.migrations import MIGRATIONS
from edge.storeroom.service import StoreroomService
from edge.storeroom.settings import StoreroomSettings
from edge.storeroom.web import create_router

__all__ = ["MIGRATIONS", "StoreroomService", "StoreroomSettings", "create_router"]
