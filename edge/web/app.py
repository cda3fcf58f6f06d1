"""``create_app(settings, service)``: the gateway's local web app, and a server to run it.

Routes (``tests/web/test_routes.py`` checks this list against the app):

- ``GET  /``                                    the staff page (login form until logged in)
- ``GET  /docs``, ``GET /openapi.json``         API docs (rendered locally: no CDN offline)
- ``GET  /i18n/i18n.js``, ``/i18n/catalogue.js``, ``/i18n/{language}.json``: the pages'
  translations (no login; :mod:`edge.i18n.web`)
- ``GET  /healthz``                             no login: status and devices per state
- ``POST /api/login``, ``POST /api/logout``, ``GET /api/me``
- ``POST /api/password``                        change your own password (ends your sessions)
- ``GET  /api/sessions``, ``POST /api/sessions/end-all``   supervisor: who is in; sign out all
- ``GET  /api/live``                            server-sent events: snapshot, then bus events
- ``GET  /api/screenings?lane=&limit=&before_id=``, ``GET /api/screenings/{id}``
- ``POST /api/screenings/{id}/override``        supervisor: {outcome, reason}; audited
- ``GET  /api/overrides?screening_id=``         the audit trail, newest first
- ``GET  /api/lanes``, ``GET /api/devices``, ``GET /api/policy``
- ``POST /api/policy/reload``                   supervisor
- ``GET  /metrics``                             when mounted: behind the login (or the scrape
  token) unless ``web.metrics_public``

Every route but ``/healthz``, ``/api/login``, the static files and the translations
(``/i18n/``) needs a login; every answer passes :mod:`edge.auth.guards` (body limit, origin
check, security headers).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from edge.auth import guards
from edge.auth import web as auth_web
from edge.checkpoint.service import CheckpointService
from edge.core.storage_health import StorageUnavailableError
from edge.core.store import Store
from edge.i18n import Catalogues
from edge.i18n import web as i18n_web
from edge.web import live, pages, routes_screenings, routes_status
from edge.web.auth import COOKIE, build_auth, login_page, metrics_dependency
from edge.web.settings import WebSettings
from edge.web.shell import PAGES, PageShell
from edge.web.users import load_session_secret, load_users, require_users_file

ROUTES = [
    ("GET", "/"),
    ("GET", "/docs"),
    ("GET", "/healthz"),
    ("POST", "/api/login"),
    ("POST", "/api/logout"),
    ("GET", "/api/me"),
    ("POST", "/api/password"),
    ("GET", "/api/sessions"),
    ("POST", "/api/sessions/end-all"),
    ("GET", "/api/live"),
    ("GET", "/api/screenings"),
    ("GET", "/api/screenings/{screening_id}"),
    ("POST", "/api/screenings/{screening_id}/override"),
    ("GET", "/api/overrides"),
    ("GET", "/api/lanes"),
    ("GET", "/api/devices"),
    ("GET", "/api/policy"),
    ("POST", "/api/policy/reload"),
]

DESCRIPTION = (
    "The community checkpoint gateway's local API: screenings and their decisions, supervisor"
    " overrides (audited), devices, lanes, the admission policy, and a live event stream."
    " Log in with POST /api/login (cookie, or the returned token as a bearer), or send HTTP"
    " Basic credentials. A POST with the session cookie must come from the gateway's own page"
    " (Origin or Referer); bodies over web.max_body_bytes are refused."
)


def _router_paths(routers: Sequence[APIRouter]) -> set[str]:
    return {getattr(route, "path", "") for router in routers for route in router.routes}


def create_app(
    settings: WebSettings,
    service: CheckpointService,
    *,
    routers: Sequence[APIRouter] = (),
    metrics: APIRouter | None = None,
    store: Store | None = None,
    nav_links: Sequence[tuple[str, str]] | None = None,
    parts: Callable[[], dict[str, dict[str, Any]]] = dict,
    body_limits: Mapping[str, int] | None = None,
    clock: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
) -> FastAPI:
    """Build the app. Raises :class:`edge.web.errors.WebConfigError` (naming the key) when the
    users file, the session secret or the metrics token is missing or unusable: no page
    without logins.

    ``parts`` tells ``/healthz`` how the gateway's restartable parts (uplink, storeroom) are.
    ``routers`` (the storeroom's, the uplink's) are mounted as given, ``metrics`` behind the
    metrics setting; ``store`` keeps sessions and changed passwords across restarts (it must
    carry :data:`edge.auth.persistence.MIGRATIONS`; without one they live in memory).
    ``nav_links`` are ``(label, href)`` pairs for the pages' menu (labels in English, msgids
    of the catalogue); by default each of :data:`edge.web.shell.PAGES` that a mounted router
    serves is linked. ``body_limits`` gives a route that takes a file (path -> bytes) a
    larger limit than ``settings.max_body_bytes``.
    Pages are served in ``settings.language``, or the reader's (:mod:`edge.i18n`).
    """
    accounts = load_users(require_users_file(settings))
    secret = load_session_secret(settings, environ)
    metrics_guard = metrics_dependency(settings)
    if nav_links is None:
        served = _router_paths(routers)
        nav_links = [(label, href) for label, href in PAGES if href in served]

    app = FastAPI(
        title="Community checkpoint gateway",
        description=DESCRIPTION,
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by pages.py, behind the login
    )
    app.state.settings = settings
    app.state.service = service
    app.state.parts = parts
    app.state.live = live.LiveHub()
    auth = build_auth(settings, accounts, secret, store=store, clock=clock)
    auth_web.attach(app, auth, login_page=login_page)
    guards.install(
        app, max_body_bytes=settings.max_body_bytes, cookie=COOKIE, body_limits=body_limits
    )

    app.add_exception_handler(StorageUnavailableError, _storage_unavailable)
    localiser = i18n_web.Localiser(Catalogues.load(), pinned=settings.language)
    app.state.shell = PageShell(nav_links, localiser)
    app.include_router(i18n_web.create_router(localiser))
    app.include_router(pages.create_router(app.state.shell))
    app.include_router(auth_web.create_router(sessions_role="supervisor"))
    app.include_router(routes_screenings.create_router())
    app.include_router(routes_status.create_router())
    app.include_router(live.create_router())
    if metrics is not None:
        app.include_router(metrics, dependencies=[Depends(metrics_guard)])
    for router in routers:
        app.include_router(router)
    static = Path(str(resources.files("edge.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    return app


async def _storage_unavailable(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorageUnavailableError)
    health = exc.health
    detail = f"{health.what}: {health.advice}" if health.what else str(exc)
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "10"})


def close_live_streams(app: FastAPI) -> None:
    """End every open ``/api/live`` stream (call before shutting the server down: otherwise
    uvicorn waits for the browsers until its graceful-shutdown timeout)."""
    hub: live.LiveHub = app.state.live
    hub.close_all()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The gateway handles SIGTERM/SIGINT itself (it cancels this server's task).
        yield


class WebServer:
    """Runs the app with uvicorn on the current event loop (the bus lives there).

    ``await server.run()`` serves until cancelled; on cancellation the live streams are closed
    first so the shutdown does not wait for browsers. ``started`` is set once listening, and
    ``port`` is then the bound port (useful with ``port = 0``).
    """

    def __init__(self, app: FastAPI, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings
        self.started = asyncio.Event()
        self.port: int | None = None
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=3,
        )
        self._server = _Server(config)

    async def run(self) -> None:
        serving = asyncio.ensure_future(self._server.serve())
        try:
            while not self._server.started:
                if serving.done():
                    # uvicorn logs why (port in use, ...) and exits; say it as an error here.
                    with contextlib.suppress(SystemExit):
                        await serving
                    raise OSError(
                        f"the web server could not listen on {self.settings.host}:"
                        f"{self.settings.port} (see the log above)"
                    )
                await asyncio.sleep(0.01)
            sockets = [s for srv in self._server.servers for s in (srv.sockets or [])]
            self.port = int(sockets[0].getsockname()[1]) if sockets else self.settings.port
            self.started.set()
            await asyncio.shield(serving)
        finally:
            close_live_streams(self.app)
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError, SystemExit):
                await serving
