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

from fastapi import APIRouter, Depends, HTTPException, Query, Request
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
from edge.web.shell import serve_page

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


# Field descriptions and examples are what /docs shows for each request body.
_ITEM = "The item's key, as in the configuration's [[storeroom.items]]."
_NOTE = "Anything worth keeping with the record (optional)."


class OrderIn(_Body):
    """An order placed with the supplier."""

    item: str = Field(max_length=100, description=_ITEM, examples=["masks"])
    quantity: float = Field(gt=0, description="How many units were ordered.", examples=[20])
    alert_id: str | None = Field(
        default=None,
        max_length=200,
        description="The low-stock alert this order answers, if any (optional).",
        examples=[None],
    )
    note: str = Field(default="", max_length=500, description=_NOTE, examples=["supplier B"])


class CountIn(_Body):
    """A count made by hand."""

    item: str = Field(max_length=100, description=_ITEM, examples=["masks"])
    count: int = Field(ge=0, description="How many units are on the shelf now.", examples=[42])
    note: str = Field(default="", max_length=500, description=_NOTE, examples=["weekly count"])


class DeliveryIn(_Body):
    """Goods received."""

    item: str = Field(max_length=100, description=_ITEM, examples=["masks"])
    quantity: float = Field(gt=0, description="How many units arrived.", examples=[20])
    note: str = Field(default="", max_length=500, description=_NOTE, examples=["2 boxes short"])


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
    router = APIRouter(
        tags=["storeroom"],
        dependencies=[Depends(require_user)] if require_user is not None else [],
    )
    # Typed dependency aliases, built per router because the auth callables are arguments.
    User = Annotated[str | None, Depends(_who(require_user))]  # noqa: N806
    Supervisor = Annotated[str | None, Depends(_who(require_supervisor or require_user))]  # noqa: N806
    html = page_html()
    headers = {"Content-Security-Policy": page_csp(html)}  # its inline code, by hash only

    @router.get("/storeroom", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        # In the gateway's frame (its menu, account buttons, the reader's language).
        return serve_page(request, "storeroom", html, headers)

    @router.get("/api/storeroom/items", summary="Stock")
    async def items() -> list[dict[str, Any]]:
        """Each item: how many are on hand and on order, how fast they are used, the days of
        supply left, the reorder point, and its alert state."""
        return [_plain(v) for v in service.items()]

    @router.get("/api/storeroom/items/{item}/trend", summary="An item's stock over time")
    async def trend(
        item: str, days: float = Query(7.0, description="How many days back (at most 90).")
    ) -> dict[str, Any]:
        """The item's stock over the last days, as points of time and count, for a chart."""
        if not 0 < days <= 90:
            raise HTTPException(422, "days must be in (0, 90]")
        try:
            points = await service.trend(item, days)
        except StoreroomError as exc:
            raise _http(exc) from exc
        return {"item": item, "now": service.clock(), "points": points}

    @router.get("/api/storeroom/alerts", summary="Storeroom alerts")
    async def alerts(
        history: bool = Query(False, description="Also closed alerts, newest first."),
        limit: int = Query(50, description="With history: at most this many (up to 500)."),
    ) -> list[dict[str, Any]]:
        """The open alerts (low, critical and out of stock, climate out of range, sensor
        faults), or with history also those that are over."""
        if history:
            return [_plain(a) for a in await service.alert_history(min(max(limit, 1), 500))]
        return [_plain(a) for a in service.open_alerts()]

    @router.get("/api/storeroom/sensors", summary="Shelves and climate sensors")
    async def sensors() -> list[dict[str, Any]]:
        """Each shelf scale and climate sensor: its latest reading and whether it works, with
        the reason when it does not."""
        return [_plain(s) for s in service.sensors()]

    @router.post("/api/storeroom/alerts/{alert_id}/ack", summary="Acknowledge an alert")
    async def ack(alert_id: str, user: User) -> dict[str, Any]:
        """Say that someone has seen the alert: it stops re-notifying, and stays open until
        its cause is gone."""
        try:
            return _plain(await service.acknowledge(alert_id, user))
        except StoreroomError as exc:
            raise _http(exc) from exc

    @router.post("/api/storeroom/orders", summary="Record an order")
    async def order(body: OrderIn, user: User) -> dict[str, Any]:
        """An order placed with the supplier: it counts toward the projected stock until it
        is delivered. Answers the item as it is now."""
        try:
            view = await service.record_order(
                body.item, body.quantity, user, alert_id=body.alert_id, note=body.note
            )
        except StoreroomError as exc:
            raise _http(exc) from exc
        return _plain(view)

    @router.post("/api/storeroom/counts", summary="Record a count")
    async def count(body: CountIn, user: User) -> dict[str, Any]:
        """A count made by hand, taken as the truth; on a weighed shelf it also corrects how
        the weight is turned into a count. Answers the item as it is now."""
        try:
            return _plain(await service.record_count(body.item, body.count, user, note=body.note))
        except StoreroomError as exc:
            raise _http(exc) from exc

    @router.post("/api/storeroom/deliveries", summary="Record a delivery")
    async def delivery(body: DeliveryIn, user: User) -> dict[str, Any]:
        """Goods received: they settle open orders, and items counted by hand gain stock.
        Answers the item as it is now."""
        try:
            view = await service.record_delivery(body.item, body.quantity, user, note=body.note)
        except StoreroomError as exc:
            raise _http(exc) from exc
        return _plain(view)

    @router.post("/api/storeroom/shelves/{shelf}/{command}", summary="Tare or zero a shelf")
    async def shelf_command(shelf: str, command: str, user: Supervisor) -> dict[str, str]:
        """Send a shelf's RS-485 scale its "tare" or "zero" command (supervisors only): what
        is on the platform now counts as nothing from then on (tare with the empty container
        on it, zero with the platform empty). 409 when the scale does not take it."""
        try:
            await service.shelf_command(shelf, command)
        except StoreroomError as exc:
            raise _http(exc) from exc
        return {"shelf": shelf, "command": command, "by": user or ""}

    return router
