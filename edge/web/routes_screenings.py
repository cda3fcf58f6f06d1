"""Screenings and the override audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from edge.checkpoint.service import InvalidRequestError, ScreeningNotFoundError, ServiceError
from edge.core.events import Outcome
from edge.web.auth import CurrentUser, Supervisor
from edge.web.deps import Service
from edge.web.views import plain

OUTCOMES = ", ".join(o.value for o in Outcome)
MAX_REASON = 500  # the page's reason box says so too


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Plain strings, checked below, so a wrong value gets a 400 in plain words.
    outcome: str = Field(max_length=20)
    reason: str = Field("", max_length=MAX_REASON)


def http_error(exc: ServiceError) -> HTTPException:
    if isinstance(exc, ScreeningNotFoundError):
        return HTTPException(404, f"no screening {exc.screening_id}")
    if isinstance(exc, InvalidRequestError):
        return HTTPException(400, exc.reason)
    return HTTPException(500, str(exc))


def create_router() -> APIRouter:
    router = APIRouter(tags=["screenings"])

    @router.get("/api/screenings")
    async def screenings(
        service: Service,
        user: CurrentUser,
        lane: str | None = Query(None, max_length=100),
        limit: int = Query(50, ge=1, le=500),
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Screenings, newest first; page back with ``before_id``."""
        rows = await service.list_screenings(lane=lane, limit=limit, before_id=before_id)
        return [plain(s) for s in rows]

    @router.get("/api/screenings/{screening_id}")
    async def screening(screening_id: int, service: Service, user: CurrentUser) -> dict[str, Any]:
        """One screening (404 if there is none)."""
        try:
            return plain(await service.get_screening(screening_id))
        except ServiceError as exc:
            raise http_error(exc) from None

    @router.post("/api/screenings/{screening_id}/override")
    async def override(
        screening_id: int, body: OverrideIn, service: Service, user: Supervisor
    ) -> dict[str, Any]:
        """Change a decision (supervisors only); the override is audited with who, when,
        why, and the outcome before and after."""
        try:
            outcome = Outcome(body.outcome.strip().upper())
        except ValueError:
            raise HTTPException(400, f"outcome must be one of {OUTCOMES}") from None
        if not body.reason.strip():
            raise HTTPException(400, "an override needs a reason")
        try:
            view = await service.override(
                screening_id, user=user.username, outcome=outcome, reason=body.reason.strip()
            )
        except ServiceError as exc:
            raise http_error(exc) from None
        return plain(view)

    @router.get("/api/overrides")
    async def overrides(
        service: Service, user: CurrentUser, screening_id: int | None = None
    ) -> list[dict[str, Any]]:
        """The override audit trail, newest first (optionally for one screening)."""
        return await service.overrides(screening_id)

    return router
