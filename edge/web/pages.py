"""The staff page, its static files, and offline API docs (the gateway has no internet, so no
Swagger UI from a CDN: ``/docs`` renders ``/openapi.json`` with a few lines of local JS)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

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
    no_cache = {"Cache-Control": "no-cache"}
    # The page loads only its own files (no inline code), so a strict policy costs nothing.
    page_headers = {
        **no_cache,
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
            " frame-ancestors 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    @router.get("/")
    async def page() -> HTMLResponse:
        # The page holds no data; it asks /api/me and shows the login form on a 401.
        return HTMLResponse(index, headers=page_headers)

    @router.get("/docs")
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(docs, headers=no_cache)

    return router
