"""The staff page, its static files, and offline API docs (the gateway has no internet, so no
Swagger UI from a CDN: ``/docs`` renders ``/openapi.json`` with a few lines of local JS)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from edge.web.auth import CurrentUser

NAV_MARK = "<!--NAV-->"


def _static(name: str) -> str:
    return resources.files("edge.web").joinpath("static", name).read_text(encoding="utf-8")


def nav_html(links: Sequence[tuple[str, str]]) -> str:
    items = [f'<a href="{html.escape(href)}">{html.escape(label)}</a>' for label, href in links]
    return "".join(items)


def create_router(nav_links: Sequence[tuple[str, str]]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    links = [("Checkpoint", "/"), *nav_links] if nav_links else []
    index = _static("index.html").replace(NAV_MARK, nav_html(links))
    docs = _static("docs.html")
    # The security headers (a strict CSP: the page loads only its own files, no inline code)
    # are added to every answer by edge.auth.guards.
    no_cache = {"Cache-Control": "no-cache"}

    @router.get("/")
    async def page() -> HTMLResponse:
        # The page holds no data and needs no login: it asks /api/me and shows the login
        # form on a 401 (and, after the login, goes on to ?next= when another page sent it).
        return HTMLResponse(index, headers=no_cache)

    @router.get("/docs")
    async def api_docs(user: CurrentUser) -> HTMLResponse:
        return HTMLResponse(docs, headers=no_cache)

    @router.get("/openapi.json")
    async def openapi(request: Request, user: CurrentUser) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    return router
