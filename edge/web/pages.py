"""The staff page, its static files, and offline API docs (the gateway has no internet, so no
Swagger UI from a CDN: ``/docs`` renders ``/openapi.json`` with a few lines of local JS)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from edge.web.auth import CurrentUser
from edge.web.shell import PageShell


def _static(name: str) -> str:
    return resources.files("edge.web").joinpath("static", name).read_text(encoding="utf-8")


def create_router(shell: PageShell) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    index = _static("index.html")
    docs = _static("docs.html")
    # The security headers (a strict CSP: the page loads only its own files, no inline code)
    # are added to every answer by edge.auth.guards.
    no_cache = {"Cache-Control": "no-cache"}

    @router.get("/")
    async def page(request: Request) -> HTMLResponse:
        # The page holds no data and needs no login: it asks /api/me and shows the login
        # form on a 401 (and, after the login, goes on to ?next= when another page sent it).
        return shell.page(request, "index", index, no_cache)

    @router.get("/docs")
    async def api_docs(user: CurrentUser) -> HTMLResponse:
        return HTMLResponse(docs, headers=no_cache)

    @router.get("/openapi.json")
    async def openapi(request: Request, user: CurrentUser) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    return router
