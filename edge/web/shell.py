"""Every page of the gateway in one frame: the same top bar (menu of pages, who is logged in,
log out, change password, language) and in the reader's language.

A page puts ``<!--TOPBAR-->`` in its header and ``<!--DIALOGS-->`` before ``</body>``, loads
``/static/shell.css``, ``/i18n/i18n.js`` and ``/static/shell.js``, and is served by
:meth:`PageShell.page`; a router that is not the checkpoint's (the storeroom's) finds the
shell as ``request.app.state.shell`` (see :func:`serve_page`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse

from edge.core.words import N_
from edge.i18n.web import Localiser

NAV_MARK = "<!--NAV-->"
TOPBAR_MARK = "<!--TOPBAR-->"
DIALOGS_MARK = "<!--DIALOGS-->"
#: the menu's words for the gateway's own pages (other parts name theirs when they mount)
CHECKPOINT, STOREROOM = N_("Checkpoint"), N_("Storeroom")
HOUSEHOLDS, VISITORS = N_("Households"), N_("Visitors")
DUTY, REPORT = N_("Duty"), N_("Daily report")
#: the pages the menu links, in its order, when a mounted router serves them
PAGES: tuple[tuple[str, str], ...] = (
    (STOREROOM, "/storeroom"),
    (DUTY, "/duty"),
    (VISITORS, "/visitors"),
    (HOUSEHOLDS, "/households"),
    (REPORT, "/report"),
)


def _static(name: str) -> str:
    return resources.files("edge.web").joinpath("static", name).read_text(encoding="utf-8")


def nav_html(links: Sequence[tuple[str, str]]) -> str:
    items = [
        f'<a href="{html.escape(href)}" data-i18n>{html.escape(label)}</a>' for label, href in links
    ]
    return "".join(items)


class PageShell:
    def __init__(self, nav_links: Sequence[tuple[str, str]], localiser: Localiser) -> None:
        links = [(CHECKPOINT, "/"), *nav_links] if nav_links else []
        self.topbar = _static("topbar.html").replace(NAV_MARK, nav_html(links))
        self.dialogs = _static("dialogs.html")
        self.localiser = localiser

    def dress(self, page: str) -> str:
        """``page`` with the top bar and the shared dialogs put in."""
        return page.replace(TOPBAR_MARK, self.topbar).replace(DIALOGS_MARK, self.dialogs)

    def page(
        self, request: Request, name: str, page: str, headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        """``page`` (known as ``name``) dressed and in the request's language."""
        return self.localiser.page(request, name, self.dress(page), headers)


def serve_page(
    request: Request, name: str, page: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    """A page through the app's shell, or as it is when the app has none (a router tested on
    its own)."""
    shell = getattr(request.app.state, "shell", None)
    if isinstance(shell, PageShell):
        return shell.page(request, name, page, headers)
    return HTMLResponse(page, headers=headers)


def gettext_for(request: Request) -> Callable[[str], str]:
    """The request's language's gettext (what the shell would serve its page in), for what a
    route writes in words (a PDF, a CSV); English when the app has no shell."""
    shell = getattr(request.app.state, "shell", None)
    if not isinstance(shell, PageShell):
        return lambda message: message
    localiser = shell.localiser
    return localiser.catalogues[localiser.language(request)].gettext
