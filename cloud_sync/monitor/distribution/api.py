"""The dashboard's distribution routes: who has heard, the audit, notices (read-only here).

``create_router(require_viewer=...)``: ``require_viewer`` is the login's dependency (every route
here only reads). The monitor's store is the app's (``app.state.storage``). Publishing from
the dashboard is in :mod:`.forms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from cloud_sync.monitor.distribution.heard import Heard
from cloud_sync.monitor.distribution.store import DistributionStore
from cloud_sync.monitor.storage.backend import Backend, Row

NO_PUBLICATION = "no publication #{id}"


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.storage.backend
    return backend


def _heard(request: Request) -> Heard:
    return Heard(backend_of(request))


HeardDep = Annotated[Heard, Depends(_heard)]


def create_router(require_viewer: Callable[..., Any] | None = None) -> APIRouter:
    dependencies = [Depends(require_viewer)] if require_viewer is not None else []
    router = APIRouter(prefix="/api/distribution", dependencies=dependencies)

    @router.get("/streams")
    def streams(request: Request) -> list[Row]:
        """Every stream (kind and scope): its version, when, whether it is on the broker."""
        return DistributionStore(backend_of(request)).streams()

    @router.get("/publications")
    def publications(
        found: HeardDep,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        kind: Annotated[str | None, Query(description="one kind only")] = None,
    ) -> list[Row]:
        """The audit, newest first (who, what, when, scope), each with how many gateways hold
        it and the first of those that do not."""
        return found.publications(limit, kind)

    @router.get("/publications/{publication_id}")
    def publication(publication_id: int, found: HeardDep) -> Row:
        """One publication: who has heard, and every gateway that has not, with why."""
        row = found.publication(publication_id)
        if row is None:
            raise HTTPException(404, NO_PUBLICATION.format(id=publication_id))
        return row

    @router.get("/gateways")
    def gateways(found: HeardDep) -> list[Row]:
        """Per gateway, per kind: the version held of each stream, and whether it lags."""
        return found.gateways()

    @router.get("/notices")
    def notices(found: HeardDep) -> list[Row]:
        """Every notice: where it should be read, who read it (gateway, staff, when), replies."""
        return found.notices()

    return router
