"""The communities at the centre (issue 11): which gates are staffed, and the daily reports
rolled up by street and district, as a page and a read-only REST API (a viewer's login):

- ``GET /communities``                  the page (in the reader's language)
- ``GET /api/duty?community=``          per community: its gateways' lanes, staffed or not
- ``GET /api/daily-reports?day=``       the day's reports per community, street and district
  (default: the latest day a gateway reported), and the days there are reports for

Where a community is (its street and district) is the registry's:
``central-monitor gateways add GW --community NAME --street S --district D``.
"""

# No ``from __future__ import annotations``: FastAPI reads the signatures at run time.

from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from cloud_sync.monitor.storage import Row, Storage
from edge.auth import guards
from edge.i18n.web import Localiser

DAY = r"^\d{4}-\d{2}-\d{2}$"


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(_storage)]


def create_router(require_viewer: Callable[..., Any], localiser: Localiser) -> APIRouter:
    router = APIRouter(tags=["communities"], dependencies=[Depends(require_viewer)])
    page = resources.files("cloud_sync.monitor").joinpath("static", "communities.html")
    html = page.read_text(encoding="utf-8")
    # The page carries its code inline: allowed by hash, and nothing else inline.
    headers = {"Content-Security-Policy": guards.page_csp(html, style_attributes=True)}

    @router.get("/communities", response_class=HTMLResponse, include_in_schema=False)
    def communities_page(request: Request) -> HTMLResponse:
        """Gates on duty per community; the daily reports by district and street."""
        return localiser.page(request, "communities", html, headers)

    @router.get("/api/duty", summary="Gates on duty")
    def duty(
        storage: StorageDep,
        community: Annotated[
            str | None, Query(description="one community only", max_length=200)
        ] = None,
    ) -> list[Row]:
        """Per community (registered ones first, then each unregistered gateway on its own):
        its gateways, online or not, and each lane's direction, whether someone is signed in
        and whether its devices work; a lane working with nobody signed in is unstaffed."""
        return storage.communities.gates(community)

    @router.get("/api/daily-reports", summary="Daily reports by street and district")
    def daily(
        storage: StorageDep,
        day: Annotated[
            str | None,
            Query(pattern=DAY, description="the local day, YYYY-MM-DD (default: the latest)"),
        ] = None,
    ) -> Row:
        """The day's reports (counts only) per community, summed per street, per district
        and in all; the days there are reports for."""
        days = storage.communities.days()
        if day is None:
            day = days[0] if days else ""
        report = storage.communities.daily(day)
        report["days"] = days
        return report

    return router
