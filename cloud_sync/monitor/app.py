"""The monitor's web face: the dashboard page, a read-only REST API, /metrics and /healthz.

The pages are in Chinese or English (``settings.language``, or each reader's: edge/i18n); the
catalogues are at ``/i18n/`` (no login: the words of the pages).

``create_app(settings)`` opens the store named by ``settings.db`` itself (a dashboard-only
instance over a shared PostgreSQL); the ``run`` command passes in the store and counters of the
ingesting service instead, so both share them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cloud_sync.monitor.auth import (
    COOKIE,
    build_auth,
    login_page,
    metrics_dependency,
    require_users,
    sessions_store,
)
from cloud_sync.monitor.communities import create_router as communities_router
from cloud_sync.monitor.distribution.api import create_router as distribution_router
from cloud_sync.monitor.distribution.forms import create_router as distribution_forms
from cloud_sync.monitor.errors import StorageError
from cloud_sync.monitor.metrics import make_registry, render
from cloud_sync.monitor.service import IngestStats
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.monitor.storage import Row, Storage, open_storage
from cloud_sync.monitor.storage.queries import Queries
from edge.auth import guards
from edge.auth import web as auth_web
from edge.i18n import Catalogues
from edge.i18n import web as i18n_web

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def get_queries(request: Request) -> Queries:
    storage: Storage = request.app.state.storage
    return storage.queries


def get_clock(request: Request) -> Callable[[], float]:
    clock: Callable[[], float] = request.app.state.clock
    return clock


def get_stats(request: Request) -> IngestStats:
    stats: IngestStats = request.app.state.stats
    return stats


QueriesDep = Annotated[Queries, Depends(get_queries)]
ClockDep = Annotated[Callable[[], float], Depends(get_clock)]
StatsDep = Annotated[IngestStats, Depends(get_stats)]
Since = Annotated[
    str | None,
    Query(
        description="only windows starting at or after this (ISO 8601, as the gateways send)",
        max_length=40,
    ),
]
#: every route but the login page, /healthz and /metrics: a logged-in user, a viewer at least
VIEWER = [Depends(auth_web.require_user)]


def _static(name: str) -> str:
    return resources.files("cloud_sync.monitor").joinpath("static", name).read_text()


def _dashboard_html(settings: MonitorSettings) -> str:
    page = _static("dashboard.html")
    return page.replace("__REFRESH_MS__", str(int(settings.dashboard_refresh_s * 1000)))


def create_app(
    settings: MonitorSettings,
    *,
    storage: Storage | None = None,
    stats: IngestStats | None = None,
    clock: Callable[[], float] = time.time,
    mqtt_connected: Callable[[], bool | None] = lambda: None,
) -> FastAPI:
    """The app; :class:`ConfigError` when ``settings`` names no usable users file (no
    dashboard without logins) or an unusable metrics token."""
    owned = storage is None
    accounts = require_users(settings)
    metrics_guard = metrics_dependency(settings)
    sessions = sessions_store(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if sessions is not None:
            sessions.open()
        if app.state.storage is None:
            app.state.storage = open_storage(settings.db, rejected_keep=settings.rejected_keep)
            app.state.registry = make_registry(app.state.stats, app.state.storage.queries, clock)
        try:
            yield
        finally:
            if owned and app.state.storage is not None:
                app.state.storage.close()
                app.state.storage = None
            if sessions is not None:
                sessions.close()

    app = FastAPI(
        title="Central monitor",
        summary="Every community checkpoint gateway: screenings, stock, alerts, health",
        description=(
            "Log in with POST /api/login (a cookie, or the returned token as a bearer) or send"
            " HTTP Basic credentials. A POST with the session cookie must come from the"
            " dashboard's own origin."
        ),
        lifespan=lifespan,
        # Swagger UI would come from a CDN; /openapi.json is served below, behind the login.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.storage = storage
    app.state.stats = stats or IngestStats()
    app.state.clock = clock
    app.state.registry = (
        make_registry(app.state.stats, storage.queries, clock) if storage is not None else None
    )
    page = _dashboard_html(settings)
    login = _static("login.html")
    # Each page in the reader's language (or the one --language pins), translated once per
    # language; its scripts get the same catalogue from /i18n/ (edge/i18n).
    localiser = i18n_web.Localiser(Catalogues.load(), pinned=settings.language)
    app.include_router(i18n_web.create_router(localiser))
    # The pages carry their code inline: allowed by hash, and nothing else inline.
    page_headers = {"Content-Security-Policy": guards.page_csp(page, style_attributes=True)}
    login_headers = {"Content-Security-Policy": guards.page_csp(login)}
    auth_web.attach(
        app, build_auth(settings, accounts, sessions, clock=clock), login_page=login_page
    )
    guards.install(app, max_body_bytes=settings.max_body_bytes, cookie=COOKIE)
    app.include_router(auth_web.create_router(sessions_role="admin"))

    @app.exception_handler(StorageError)
    async def storage_unavailable(request: Request, exc: StorageError) -> JSONResponse:
        return JSONResponse({"detail": f"database unavailable: {exc}"}, status_code=503)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False, dependencies=VIEWER)
    def dashboard(request: Request) -> HTMLResponse:
        """The dashboard page (one page, no external resources, refreshes itself)."""
        return localiser.page(request, "dashboard", page, page_headers)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> HTMLResponse:
        """The login form (no login needed)."""
        return localiser.page(request, "login", login, login_headers)

    @app.get("/openapi.json", include_in_schema=False, dependencies=VIEWER)
    def openapi() -> JSONResponse:
        """The REST API's OpenAPI schema (a login needed)."""
        return JSONResponse(app.openapi())

    @app.get("/api/summary", dependencies=VIEWER)
    def summary(queries: QueriesDep, stats: StatsDep) -> dict[str, Any]:
        """Fleet totals from the store, and this instance's ingest counters."""
        return {
            "totals": queries.totals(),
            "instance": {
                "received": stats.received,
                "stored": stats.stored,
                "duplicates": stats.duplicates,
                "rejected": dict(stats.rejected),
                "uptime_s": round(time.time() - stats.started_at, 1),
                "mqtt_connected": mqtt_connected(),
            },
            "database": queries.backend.description,
        }

    @app.get("/api/gateways", dependencies=VIEWER)
    def gateways(queries: QueriesDep, clock: ClockDep) -> list[Row]:
        """Every gateway ever seen: online or offline (and why), last seen, outbox lag, gaps."""
        return queries.gateways(clock())

    @app.get("/api/screenings", dependencies=VIEWER)
    def screenings(
        queries: QueriesDep,
        since: Since = None,
        community: Annotated[
            str | None, Query(description="one community only", max_length=200)
        ] = None,
    ) -> list[Row]:
        """Screenings, admitted, denied, rechecks, overrides per community and window."""
        return queries.screenings(since=since, community=community)

    @app.get("/api/denials", dependencies=VIEWER)
    def denials(queries: QueriesDep, since: Since = None) -> list[Row]:
        """Denials per community and reason."""
        return queries.denial_reasons(since=since)

    @app.get("/api/temperatures", dependencies=VIEWER)
    def temperatures(queries: QueriesDep, since: Since = None) -> list[Row]:
        """The temperature histograms of the lanes, summed per community and bucket."""
        return queries.temperatures(since=since)

    @app.get("/api/stock", dependencies=VIEWER)
    def stock(queries: QueriesDep) -> list[Row]:
        """Stock on hand and days of supply per item and storeroom (gateway)."""
        return queries.stock()

    @app.get("/api/alerts", dependencies=VIEWER)
    def alerts(
        queries: QueriesDep,
        include_closed: Annotated[bool, Query(description="also resolved alerts")] = False,
        kind: Annotated[
            str | None, Query(description="only kinds containing this", max_length=100)
        ] = None,
    ) -> list[Row]:
        """Alerts, most urgent first (severity, then unacknowledged, then oldest)."""
        return queries.alerts(open_only=not include_closed, kind=kind)

    @app.get("/api/devices", dependencies=VIEWER)
    def devices(queries: QueriesDep) -> list[Row]:
        """The health of every device (thermometer, scanner, scale) each gateway reports."""
        return queries.devices()

    @app.get("/api/registry", dependencies=VIEWER)
    def registry(request: Request) -> list[Row]:
        """The registered gateways: community, display name, seen or not, online or not."""
        storage: Storage = request.app.state.storage
        return storage.registry.entries()

    @app.get("/api/rejected", dependencies=VIEWER)
    def rejected(
        queries: QueriesDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[Row]:
        """The newest messages set aside: topic, reason, size and the first 512 bytes."""
        return queries.rejected(limit=limit)

    @app.get("/api/acks", dependencies=VIEWER)
    def acks(
        queries: QueriesDep,
        gateway: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[Row]:
        """Command acknowledgements (policy pushes) from gateways, newest first."""
        return queries.acks(gateway=gateway, limit=limit)

    app.include_router(communities_router(auth_web.require_user, localiser))
    app.include_router(distribution_router(require_viewer=auth_web.require_user))
    app.include_router(
        distribution_forms(auth_web.require_role("officer"), auth_web.require_role("admin"))
    )
    distribution_page = _static("distribution.html")
    distribution_headers = {"Content-Security-Policy": guards.page_csp(distribution_page)}

    @app.get(
        "/distribution", response_class=HTMLResponse, include_in_schema=False, dependencies=VIEWER
    )
    def distribution(request: Request) -> HTMLResponse:
        """Who has heard each publication, what each gateway holds, notices; publish forms."""
        return localiser.page(request, "distribution", distribution_page, distribution_headers)

    @app.get("/metrics", response_class=Response, dependencies=[Depends(metrics_guard)])
    def metrics(request: Request) -> Response:
        """Prometheus text format: this instance's counters and the fleet's gauges."""
        return Response(render(request.app.state.registry), media_type=PROMETHEUS_TEXT)

    @app.get("/healthz")
    def healthz(queries: QueriesDep) -> JSONResponse:
        """No login: 200 when the database answers, 503 otherwise; whether MQTT is connected."""
        try:
            queries.ping()
        except StorageError as exc:
            return JSONResponse({"ok": False, "database": str(exc)}, status_code=503)
        return JSONResponse({"ok": True, "mqtt_connected": mqtt_connected()})

    return app
