"""The community's pages on the gateway, in its frame (the shared login, top bar, menu and
language: :mod:`edge.web.shell`), behind its login:

- ``GET /households``  the registry: look it up; supervisors change it, import a spreadsheet,
  issue passes in a batch and download the printable sheet
- ``GET /visitors``    register a visitor, show and print the visitor pass, cancel a visit
- ``GET /duty``        sign in to a lane and out with a handover note, unstaffed lanes,
  residents out past their return time, manual registration of a person without a code
- ``GET /report``      the daily report, printable, with CSV and PDF downloads
- ``GET /community/static/{name}``  their scripts and style (no login: no data in them)

The pages carry no inline code: the gateway's strict CSP applies as it is. Every word is
marked for the catalogue (``data-i18n``, ``t()``); what the server says goes through
``I18N.message``.
"""

# No ``from __future__ import annotations``: FastAPI reads the signatures at run time.

from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from edge.web.shell import serve_page

PAGES = ("households", "visitors", "duty", "report")
ASSETS = {
    "community.css": "text/css; charset=utf-8",
    "community.js": "text/javascript; charset=utf-8",
    **{f"{page}.js": "text/javascript; charset=utf-8" for page in PAGES},
}
ROUTES = [("GET", f"/{page}") for page in PAGES] + [("GET", "/community/static/{name}")]
NO_CACHE = {"Cache-Control": "no-cache"}


def _static(name: str) -> str:
    return resources.files("edge.community").joinpath("static", name).read_text(encoding="utf-8")


def create_router(require_user: Callable[..., Any]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    pages = {page: _static(f"{page}.html") for page in PAGES}
    assets = {name: _static(name) for name in ASSETS}

    def page_route(name: str) -> Callable[..., Any]:
        async def page(request: Request) -> HTMLResponse:
            # A page asked for without a login goes to the login, which brings the person back.
            return serve_page(request, name, pages[name], NO_CACHE)

        return page

    for name in PAGES:
        router.add_api_route(
            f"/{name}",
            page_route(name),
            methods=["GET"],
            response_class=HTMLResponse,
            dependencies=[Depends(require_user)],
        )

    @router.get("/community/static/{name}")
    async def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(404, "no such file")
        return Response(assets[name], media_type=ASSETS[name], headers=NO_CACHE)

    return router
