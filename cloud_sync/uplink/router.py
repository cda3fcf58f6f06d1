"""``GET /api/uplink``: the uplink's state (connection, outbox depth and age, counters)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends

from cloud_sync.uplink.service import UplinkService


def create_router(
    service: UplinkService,
    require_user: Callable[..., Any] | None = None,
    require_supervisor: Callable[..., Any] | None = None,
) -> APIRouter:
    del require_supervisor  # nothing here changes state
    dependencies = [Depends(require_user)] if require_user is not None else []
    router = APIRouter(tags=["uplink"], dependencies=dependencies)

    @router.get("/api/uplink", summary="The link to the centre")
    async def uplink_status() -> dict[str, Any]:
        """Whether the gateway is connected to the central broker, how many messages wait in
        the outbox and how old the oldest is, how many are in flight, sent and dropped, and
        what became of the policies the centre sent."""
        return (await service.status()).as_dict()

    return router
