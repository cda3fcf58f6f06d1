"""The catalogues on the web: each page in its language, and the catalogue for its scripts.

- ``GET /i18n/i18n.js``: the browser's side (see ``static/i18n.js``)
- ``GET /i18n/catalogue.js``: the catalogue of the request's language as a script, loaded
  before ``i18n.js`` so that every script after it translates from its first line
- ``GET /i18n/{language}.json``: a language's catalogue for ``i18n.js``

Both need no login (they hold no data: the words of the pages, which the login page shows
anyway). An app serves a page with :meth:`Localiser.page`, which picks the language
(:func:`edge.i18n.negotiate.choose`) and translates the page's marked words.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from edge.i18n import html as pages
from edge.i18n.catalogue import Catalogues
from edge.i18n.negotiate import AUTO, choose

#: the cookie the page's language menu sets (a person's choice on this device)
COOKIE = "ccg_lang"
UNKNOWN_LANGUAGE = "no catalogue for this language"


class Localiser:
    """Chooses a request's language and serves pages translated (each page translated once
    per language, then kept)."""

    def __init__(self, catalogues: Catalogues, *, pinned: str = AUTO) -> None:
        self.catalogues = catalogues
        self.pinned = pinned
        self._pages: dict[tuple[str, str], str] = {}

    def language(self, request: Request) -> str:
        return choose(
            self.catalogues.languages,
            pinned=self.pinned,
            chosen=request.cookies.get(COOKIE),
            accept_language=request.headers.get("accept-language"),
        )

    def catalogue(self, language: str) -> dict[str, Any]:
        """What ``i18n.js`` loads: the language's messages, and the languages a reader may
        choose from (none when the configuration pins one)."""
        body = self.catalogues[language].as_json()
        body["available"] = [] if self.pinned != AUTO else self.catalogues.languages
        return body

    def translate(self, name: str, page: str, language: str) -> str:
        """``page`` (known as ``name``) in ``language``."""
        key = (name, language)
        if key not in self._pages:
            catalogue = self.catalogues[language]
            self._pages[key] = pages.localise(page, language, catalogue.gettext)
        return self._pages[key]

    def page(
        self, request: Request, name: str, page: str, headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        language = self.language(request)
        vary = {"Vary": "Accept-Language, Cookie", "Content-Language": language}
        return HTMLResponse(
            self.translate(name, page, language), headers={**(headers or {}), **vary}
        )


def create_router(localiser: Localiser) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    script = resources.files("edge.i18n").joinpath("static", "i18n.js")

    @router.get("/i18n/i18n.js")
    async def runtime() -> FileResponse:
        return FileResponse(str(script), media_type="text/javascript; charset=utf-8")

    @router.get("/i18n/catalogue.js")
    async def catalogue_script(request: Request) -> Response:
        body = localiser.catalogue(localiser.language(request))
        script = f"window.I18N_CATALOGUE = {json.dumps(body, ensure_ascii=False)};\n"
        return Response(
            script,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache", "Vary": "Accept-Language, Cookie"},
        )

    @router.get("/i18n/{language}.json")
    async def catalogue(language: str) -> JSONResponse:
        tag = localiser.catalogues.find(language)
        if tag is None:
            raise HTTPException(404, UNKNOWN_LANGUAGE)
        return JSONResponse(localiser.catalogue(tag), headers={"Cache-Control": "no-cache"})

    return router
