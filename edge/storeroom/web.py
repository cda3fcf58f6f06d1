"""The storeroom's REST API and page, as one router the gateway mounts.

Routes (all documented here; ``tests/storeroom/test_web.py`` checks the list):

- ``GET  /storeroom``                                  the page (HTML, vanilla JS, inline SVG)
- ``GET  /api/storeroom/items``                        stock per item with forecast and status
- ``GET  /api/storeroom/items/{item}/trend?days=7``    stock of an item over time
- ``GET  /api/storeroom/alerts?history=false``         open alerts (or the latest, with history)
- ``GET  /api/storeroom/sensors``                      shelves and climate sensors with state
- ``POST /api/storeroom/alerts/{alert_id}/ack``        acknowledge an alert
- ``POST /api/storeroom/orders``                       record an order {item, quantity, alert_id?}
- ``POST /api/storeroom/counts``                       record a manual count {item, count, note?}
- ``POST /api/storeroom/deliveries``                   record a delivery {item, quantity, note?}
- ``POST /api/storeroom/shelves/{shelf}/{command}``    ``tare`` or ``zero`` a Modbus shelf
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route signatures at run
# time, and the dependency aliases below are local to create_router, so they must be real
# objects rather than strings to resolve.

import dataclasses
from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from edge.auth.guards import page_csp
from edge.storeroom.errors import (
    InvalidInputError,
    SensorCommandError,
    StoreroomError,
    UnknownAlertError,
    UnknownItemError,
    UnknownSensorError,
)
from edge.storeroom.service import StoreroomService

ROUTES = [
    ("GET", "/storeroom"),
    ("GET", "/api/storeroom/items"),
    ("GET", "/api/storeroom/items/{item}/trend"),
    ("GET", "/api/storeroom/alerts"),
    ("GET", "/api/storeroom/sensors"),
    ("POST", "/api/storeroom/alerts/{alert_id}/ack"),
    ("POST", "/api/storeroom/orders"),
    ("POST", "/api/storeroom/counts"),
    ("POST", "/api/storeroom/deliveries"),
    ("POST", "/api/storeroom/shelves/{shelf}/{command}"),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderIn(_Body):
    item: str = Field(max_length=100)
    quantity: float = Field(gt=0)
    alert_id: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", max_length=500)


class CountIn(_Body):
    item: str = Field(max_length=100)
    count: int = Field(ge=0)
    note: str = Field(default="", max_length=500)


class DeliveryIn(_Body):
    item: str = Field(max_length=100)
    quantity: float = Field(gt=0)
    note: str = Field(default="", max_length=500)


def _user_name(user: Any) -> str | None:
    if user is None:
        return None
    for attr in ("username", "name", "id"):
        value = getattr(user, attr, None)
        if isinstance(value, str):
            return value
    return str(user)


def _who(dependency: Callable[..., Any] | None) -> Callable[..., Any]:
    """A dependency giving the acting user's name (``None`` when the gateway has no auth)."""
    if dependency is None:

        async def anonymous() -> str | None:
            return None

        return anonymous

    async def named(user: Annotated[Any, Depends(dependency)]) -> str | None:
        return _user_name(user)

    return named


def _http(exc: StoreroomError) -> HTTPException:
    if isinstance(exc, UnknownItemError | UnknownAlertError | UnknownSensorError):
        return HTTPException(404, str(exc))
    if isinstance(exc, InvalidInputError):
        return HTTPException(422, exc.reason)
    if isinstance(exc, SensorCommandError):
        return HTTPException(409, str(exc))
    return HTTPException(400, str(exc))


def _plain(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def page_html() -> str:
    return resources.files("edge.storeroom").joinpath("page.html").read_text(encoding="utf-8")


def create_router(
    service: StoreroomService,
    require_user: Callable[..., Any] | None = None,
    require_supervisor: Callable[..., Any] | None = None,
) -> APIRouter:
    # Every route, the page too, behind the gateway's login (a page asked for without one is
    # sent to the login, which brings the user back).
    router = APIRouter(dependencies=[Depends(require_user)] if require_user is not None else [])
    # Typed dependency aliases, built per router because the auth callables are arguments.
    User = Annotated[str | None, Depends(_who(require_user))]  # noqa: N806
    Supervisor = Annotated[str | None, Depends(_who(require_supervisor or require_user))]  # noqa: N806
    html = page_html()
    headers = {"Content-Security-Policy": page_csp(html)}  # its inline code, by hash only

    @router.get("/storeroom", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    @router.get("/api/storeroom/items")
    async def items() -> list[dict[str, Any]]:
        return [_plain(v) for v in service.items()]

    @router.get("/api/storeroom/items/{item}/trend")
    async def trend(item: str, days: float = 7.0) -> dict[str, Any]:
        if not 0 < days <= 90:
            raise HTTPException(422, "days must be in (0, 90]")
        try:
            points = await service.trend(item, days)
        except StoreroomError as exc:
            raise _http(exc) from exc
        return {"item": item, "now": service.clock(), "points": points}

    @router.get("/api/storeroom/alerts")
    async def alerts(history: bool = False, limit: int = 50) -> list[dict[str, Any]]:
        if history:
            return [_plain(a) for a in await service.alert_history(min(max(limit, 1), 500))]
        return [_plain(a) for a in service.open_alerts()]

    @router.get("/api/storeroom/sensors")
    async def sensors() -> list[dict[str, Any]]:
        return [_plain(s) for s in service.sensors()]

    @router.post("/api/storeroom/alerts/{alert_id}/ack")
    async def ack(alert_id: str, user: User) -> dict[str, Any]:
        try:
            return _plain(await service.acknowledge(alert_id, user))
        except StoreroomError as exc:
            raise _http(exc) from exc

    @router.post("/api/storeroom/orders")
    async def order(body: OrderIn, user: User) -> dict[str, Any]:
        try:
            view = await service.record_order(
                body.item, body.quantity, user, alert_id=body.alert_id, note=body.note
            )
        except StoreroomError as exc:
            raise _http(exc) from exc
        return _plain(view)

    @router.post("/api/storeroom/counts")
    async def count(body: CountIn, user: User) -> dict[str, Any]:
        try:
            return _plain(await service.record_count(body.item, body.count, user, note=body.note))
        except StoreroomError as exc:
            raise _http(exc) from exc

    @router.post("/api/storeroom/deliveries")
    async def delivery(body: DeliveryIn, user: User) -> dict[str, Any]:
        try:
            view = await service.record_delivery(body.item, body.quantity, user, note=body.note)
        except StoreroomError as exc:
            raise _http(exc) from exc
        return _plain(view)

    @router.post("/api/storeroom/shelves/{shelf}/{command}")
    async def shelf_command(shelf: str, command: str, user: Supervisor) -> dict[str, str]:
        try:
            await service.shelf_command(shelf, command)
        except StoreroomError as exc:
            raise _http(exc) from exc
        return {"shelf": shelf, "command": command, "by": user or ""}

    return router
