"""Screenings and the override audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from edge.checkpoint.service import InvalidRequestError, ScreeningNotFoundError, ServiceError
from edge.core.events import Outcome
from edge.core.words import N_
from edge.web.auth import CurrentUser, Supervisor
from edge.web.deps import Service
from edge.web.views import plain

OUTCOMES = ", ".join(o.value for o in Outcome)
MAX_REASON = 500  # the page's reason box says so too
# What a person reads (translated by the page: edge/i18n).
NO_SCREENING = N_("no screening {id}")
BAD_OUTCOME = N_("outcome must be one of {outcomes}")
NEEDS_REASON = N_("an override needs a reason")


class OverrideIn(BaseModel):
    """A supervisor's new decision for a screening, and why."""

    model_config = ConfigDict(extra="forbid")
    # Plain strings, checked below, so a wrong value gets a 400 in plain words.
    outcome: str = Field(
        max_length=20,
        description=f"The decision from now on: one of {OUTCOMES} (any case).",
        examples=["ADMIT"],
    )
    reason: str = Field(
        "",
        max_length=MAX_REASON,
        description="Why, in words; it goes into the audit trail. An override needs one.",
        examples=["re-measured at the desk: 36.8 °C"],
    )


def http_error(exc: ServiceError) -> HTTPException:
    if isinstance(exc, ScreeningNotFoundError):
        return HTTPException(404, NO_SCREENING.format(id=exc.screening_id))
    if isinstance(exc, InvalidRequestError):
        return HTTPException(400, exc.reason)
    return HTTPException(500, str(exc))


def create_router() -> APIRouter:
    router = APIRouter(tags=["screenings"])

    @router.get("/api/screenings", summary="Recent screenings")
    async def screenings(
        service: Service,
        user: CurrentUser,
        lane: str | None = Query(None, max_length=100, description="Only this lane's."),
        limit: int = Query(50, ge=1, le=500, description="At most this many."),
        before_id: int | None = Query(
            None, description="Only those older than this screening id: the next page back."
        ),
    ) -> list[dict[str, Any]]:
        """Screenings, newest first: when, which lane, the temperature, the code's verdict,
        the decision and its reason, and any override. To page back, pass the id of the
        oldest one shown as before_id."""
        rows = await service.list_screenings(lane=lane, limit=limit, before_id=before_id)
        return [plain(s) for s in rows]

    @router.get("/api/screenings/{screening_id}", summary="One screening")
    async def screening(screening_id: int, service: Service, user: CurrentUser) -> dict[str, Any]:
        """One screening, as in the list; 404 when there is no screening with this id."""
        try:
            return plain(await service.get_screening(screening_id))
        except ServiceError as exc:
            raise http_error(exc) from None

    @router.post("/api/screenings/{screening_id}/override", summary="Override a decision")
    async def override(
        screening_id: int, body: OverrideIn, service: Service, user: Supervisor
    ) -> dict[str, Any]:
        """Change a screening's decision (supervisors only). The override is kept in the
        audit trail with who, when, why, and the decision before and after; the page shows
        it at once."""
        try:
            outcome = Outcome(body.outcome.strip().upper())
        except ValueError:
            raise HTTPException(400, BAD_OUTCOME.format(outcomes=OUTCOMES)) from None
        if not body.reason.strip():
            raise HTTPException(400, NEEDS_REASON)
        try:
            view = await service.override(
                screening_id, user=user.username, outcome=outcome, reason=body.reason.strip()
            )
        except ServiceError as exc:
            raise http_error(exc) from None
        return plain(view)

    @router.get("/api/overrides", summary="The override audit trail")
    async def overrides(
        service: Service,
        user: CurrentUser,
        screening_id: int | None = Query(None, description="Only this screening's overrides."),
    ) -> list[dict[str, Any]]:
        """Every override, newest first: the screening, who, when, why, and the decision
        before and after."""
        return await service.overrides(screening_id)

    return router
