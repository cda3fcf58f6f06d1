"""The community's REST API, one router the gateway mounts (behind its login).

Routes (``tests/community/test_web.py`` checks the list):

- ``GET    /api/community/households?search=&limit=&offset=``  households with member counts
- ``POST   /api/community/households``                 supervisor: {building, unit, room, note}
- ``GET    /api/community/households/{id}``            a household and its members
- ``PATCH  /api/community/households/{id}``            supervisor: {note}
- ``DELETE /api/community/households/{id}``            supervisor: moved away (members too)
- ``POST   /api/community/households/{id}/members``    supervisor: a member
- ``PATCH  /api/community/members/{id}``               supervisor: any of those fields
- ``DELETE /api/community/members/{id}``               supervisor
- ``POST   /api/community/import?filename=``           supervisor: the CSV or XLSX file as the body
- ``POST   /api/community/passes``                     supervisor: issue a batch
- ``GET    /api/community/passes/batches``             the batches issued
- ``GET    /api/community/passes/sheet.pdf?batch=&member=``  the cards to print (PDF)
- ``GET    /api/community/visits?since=``              visits (current and coming)
- ``POST   /api/community/visits``                     register a visit: its pass
- ``GET    /api/community/visits/{visit_id}/qr.svg``   the visitor pass as a QR code (SVG)
- ``POST   /api/community/visits/{visit_id}/cancel``   the pass stops working at once
- ``POST   /api/community/manual``                     register a person (no code)
- ``GET    /api/community/manual``                     the manual registrations
- ``GET    /api/community/audit``                      overrides and manual ones
- ``GET    /api/community/duty``                       per lane: on duty, last handover note, alert
- ``GET    /api/community/out-late``                   residents out past their return time
- ``POST   /api/community/duty/sign-in``               {lane}: the logged-in user starts a shift
- ``POST   /api/community/duty/sign-out``              {lane, note}: ends it with a handover note
- ``GET    /api/community/report?day=``                the day's report (JSON)
- ``GET    /api/community/report.csv?day=``, ``GET /api/community/report.pdf?day=``
"""

# No ``from __future__ import annotations``: FastAPI reads the signatures at run time.

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from edge.community.errors import (
    CommunityError,
    ImportRefusedError,
    InvalidInputError,
    NotConfiguredError,
    NotFoundError,
)
from edge.community.passes import Selection
from edge.community.report import to_csv
from edge.community.service import CommunityService
from edge.core.words import N_
from edge.web.shell import gettext_for

ROUTES = [
    ("GET", "/api/community/households"),
    ("POST", "/api/community/households"),
    ("GET", "/api/community/households/{household_id}"),
    ("PATCH", "/api/community/households/{household_id}"),
    ("DELETE", "/api/community/households/{household_id}"),
    ("POST", "/api/community/households/{household_id}/members"),
    ("PATCH", "/api/community/members/{member_id}"),
    ("DELETE", "/api/community/members/{member_id}"),
    ("POST", "/api/community/import"),
    ("POST", "/api/community/passes"),
    ("GET", "/api/community/passes/batches"),
    ("GET", "/api/community/passes/sheet.pdf"),
    ("GET", "/api/community/visits"),
    ("POST", "/api/community/visits"),
    ("GET", "/api/community/visits/{visit_id}/qr.svg"),
    ("POST", "/api/community/visits/{visit_id}/cancel"),
    ("POST", "/api/community/manual"),
    ("GET", "/api/community/manual"),
    ("GET", "/api/community/audit"),
    ("GET", "/api/community/duty"),
    ("GET", "/api/community/out-late"),
    ("POST", "/api/community/duty/sign-in"),
    ("POST", "/api/community/duty/sign-out"),
    ("GET", "/api/community/report"),
    ("GET", "/api/community/report.csv"),
    ("GET", "/api/community/report.pdf"),
]
MAX_IMPORT_BYTES = 20 * 1024 * 1024
#: the import takes a file: its own body limit (the gateway's is 64 KiB)
BODY_LIMITS = {"/api/community/import": MAX_IMPORT_BYTES}

# -- what a person reads: English templates in the catalogue (edge/i18n) ------------------------
FILE_TOO_LARGE = N_("the file is larger than 20 MB")
NAME_BATCH_OR_MEMBERS = N_("name a batch or members")
NO_SUCH_VISIT = N_("no such visit")
BAD_DAY = N_("day must be YYYY-MM-DD")
NOTHING_IMPORTED = N_("nothing imported: {n} problem(s)")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HouseholdIn(_Body):
    building: str = Field(min_length=1, max_length=20)
    unit: str = Field("", max_length=20)
    room: str = Field(min_length=1, max_length=20)
    note: str = Field("", max_length=500)


class HouseholdPatch(_Body):
    note: str = Field(max_length=500)


class MemberIn(_Body):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field("", max_length=20)
    id_last4: str = Field("", pattern=r"^([0-9]{3}[0-9Xx])?$")
    has_phone: bool = True


class MemberPatch(_Body):
    name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, max_length=20)
    id_last4: str | None = Field(None, pattern=r"^([0-9]{3}[0-9Xx])?$")
    has_phone: bool | None = None


class PassesIn(_Body):
    member_ids: list[int] = Field(default_factory=list, max_length=100_000)
    without_phone_only: bool = False
    building: str | None = Field(None, max_length=20)
    days: float | None = Field(None, gt=0, le=3660)


class VisitIn(_Body):
    household_id: int
    name: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=500)
    valid_from: float  # epoch seconds
    valid_until: float


class ManualIn(_Body):
    lane: str = Field(max_length=64)
    category: str = Field(max_length=40)
    reason: str = Field(max_length=500)
    temperature: float | None = Field(None, ge=30, le=45)
    id_last4: str = Field("", max_length=4)
    name: str = Field("", max_length=100)
    member_id: int | None = None


class SignIn(_Body):
    lane: str = Field(max_length=64)


class SignOut(_Body):
    lane: str = Field(max_length=64)
    note: str = Field("", max_length=2000)


def _name(user: Any) -> str:
    for attr in ("username", "name"):
        value = getattr(user, attr, None)
        if isinstance(value, str):
            return value
    return "anonymous" if user is None else str(user)


def _http(exc: CommunityError) -> HTTPException:
    if isinstance(exc, NotFoundError):
        return HTTPException(404, exc.message)
    if isinstance(exc, ImportRefusedError):
        return HTTPException(
            422,
            {
                "message": NOTHING_IMPORTED.format(n=len(exc.problems)),
                "problems": [
                    {"line": p.line, "column": p.column, "message": p.message} for p in exc.problems
                ],
            },
        )
    if isinstance(exc, InvalidInputError):
        return HTTPException(422, exc.reason)
    if isinstance(exc, NotConfiguredError):
        return HTTPException(409, exc.reason)
    return HTTPException(400, str(exc))


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _day(day: str | None) -> dt.date:
    if day is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        raise HTTPException(422, BAD_DAY) from None


def create_router(
    service: CommunityService,
    require_user: Callable[..., Any],
    require_supervisor: Callable[..., Any],
) -> APIRouter:
    router = APIRouter(tags=["community"], dependencies=[Depends(require_user)])
    User = Annotated[Any, Depends(require_user)]  # noqa: N806
    Supervisor = Annotated[Any, Depends(require_supervisor)]  # noqa: N806

    async def guarded(coro: Any) -> Any:
        try:
            return await coro
        except CommunityError as exc:
            raise _http(exc) from exc

    # -- the registry ---------------------------------------------------------------------------
    @router.get("/api/community/households", summary="Households")
    async def households(
        search: str = Query("", max_length=100), limit: int = 100, offset: int = 0
    ) -> dict[str, Any]:
        """Households by address, with their member counts; search by room or a member's name."""
        return await service.households(search, limit, max(0, offset))  # type: ignore[no-any-return]

    @router.post("/api/community/households", summary="Add a household", status_code=201)
    async def add_household(body: HouseholdIn, _s: Supervisor) -> dict[str, Any]:
        hid = await guarded(service.add_household(body.building, body.unit, body.room, body.note))
        return await guarded(service.household(hid))  # type: ignore[no-any-return]

    @router.get("/api/community/households/{household_id}", summary="A household")
    async def household(household_id: int) -> dict[str, Any]:
        return await guarded(service.household(household_id))  # type: ignore[no-any-return]

    @router.patch("/api/community/households/{household_id}", summary="Change a household")
    async def patch_household(
        household_id: int, body: HouseholdPatch, _s: Supervisor
    ) -> dict[str, Any]:
        await guarded(service.update_household(household_id, body.note))
        return await guarded(service.household(household_id))  # type: ignore[no-any-return]

    @router.delete("/api/community/households/{household_id}", summary="Remove a household")
    async def delete_household(household_id: int, _s: Supervisor) -> dict[str, str]:
        await guarded(service.delete_household(household_id))
        return {"status": "removed"}

    @router.post(
        "/api/community/households/{household_id}/members", summary="Add a member", status_code=201
    )
    async def add_member(household_id: int, body: MemberIn, _s: Supervisor) -> dict[str, Any]:
        await guarded(service.add_member(household_id, **body.model_dump()))
        return await guarded(service.household(household_id))  # type: ignore[no-any-return]

    @router.patch("/api/community/members/{member_id}", summary="Change a member")
    async def patch_member(member_id: int, body: MemberPatch, _s: Supervisor) -> dict[str, str]:
        await guarded(service.update_member(member_id, body.model_dump(exclude_none=True)))
        return {"status": "changed"}

    @router.delete("/api/community/members/{member_id}", summary="Remove a member")
    async def delete_member(member_id: int, _s: Supervisor) -> dict[str, str]:
        await guarded(service.delete_member(member_id))
        return {"status": "removed"}

    @router.post("/api/community/import", summary="Import a registry file")
    async def import_file(
        request: Request, _s: Supervisor, filename: str = Query("registry.csv", max_length=200)
    ) -> dict[str, Any]:
        """The body is the CSV or XLSX file. A file with a bad row imports nothing; the answer
        (422) lists every problem with its line."""
        data = await request.body()
        if len(data) > MAX_IMPORT_BYTES:
            raise HTTPException(413, FILE_TOO_LARGE)
        result = await guarded(service.import_file(filename, data))
        return dataclasses.asdict(result)

    # -- passes ---------------------------------------------------------------------------------
    @router.post("/api/community/passes", summary="Issue passes in a batch")
    async def issue(body: PassesIn, supervisor: Supervisor) -> dict[str, Any]:
        which = Selection(tuple(body.member_ids), body.without_phone_only, body.building)
        return await guarded(  # type: ignore[no-any-return]
            service.issue_passes(which, user=_name(supervisor), days=body.days)
        )

    @router.get("/api/community/passes/batches", summary="Pass batches")
    async def batches() -> list[dict[str, Any]]:
        return await service.batches()

    @router.get("/api/community/passes/sheet.pdf", summary="Pass cards to print (PDF)")
    async def sheet(
        request: Request,
        batch: int | None = None,
        member: Annotated[list[int] | None, Query()] = None,
    ) -> Response:
        """The cards in the reader's language (its title, validity and cut hint)."""
        if batch is None and not member:
            raise HTTPException(422, NAME_BATCH_OR_MEMBERS)
        pdf = await guarded(
            service.pass_sheet(
                batch_id=batch, member_ids=member or [], gettext=gettext_for(request)
            )
        )
        name = f"passes-{batch}.pdf" if batch is not None else "passes.pdf"
        return Response(pdf, media_type="application/pdf", headers=_attachment(name))

    # -- visitors -------------------------------------------------------------------------------
    @router.get("/api/community/visits", summary="Visits")
    async def visits(since: float | None = None) -> list[dict[str, Any]]:
        return await service.visits(since)

    @router.post("/api/community/visits", summary="Register a visit", status_code=201)
    async def add_visit(body: VisitIn, user: User) -> dict[str, Any]:
        return await guarded(  # type: ignore[no-any-return]
            service.register_visit(**body.model_dump(), user=_name(user))
        )

    @router.get("/api/community/visits/{visit_id}/qr.svg", summary="A visitor pass's QR code")
    async def visit_qr(visit_id: str) -> Response:
        import segno

        found = [v for v in await service.visits(0) if v["visit_id"] == visit_id]
        if not found or not found[0]["pass_text"]:
            raise HTTPException(404, NO_SUCH_VISIT)
        out = io.BytesIO()
        segno.make_qr(found[0]["pass_text"], error="m", mode="byte").save(out, kind="svg", scale=4)
        return Response(out.getvalue(), media_type="image/svg+xml")

    @router.post("/api/community/visits/{visit_id}/cancel", summary="Cancel a visit")
    async def cancel_visit(visit_id: str, user: User) -> dict[str, str]:
        await guarded(service.cancel_visit(visit_id, _name(user)))
        return {"status": "cancelled"}

    # -- manual registration and audit ----------------------------------------------------------
    @router.post("/api/community/manual", summary="Register a person without a code")
    async def manual(body: ManualIn, user: User) -> dict[str, Any]:
        """Decided by the policy (a fever still denies), recorded as manual, attributed to the
        logged-in staff member and audited."""
        return await guarded(  # type: ignore[no-any-return]
            service.register_manual(**body.model_dump(), user=_name(user))
        )

    @router.get("/api/community/manual", summary="Manual registrations")
    async def manual_list() -> list[dict[str, Any]]:
        return await service.manual_registrations()

    @router.get("/api/community/audit", summary="The audit trail")
    async def audit() -> list[dict[str, Any]]:
        return await service.audit()

    # -- duty -----------------------------------------------------------------------------------
    @router.get("/api/community/duty", summary="Who is on duty")
    async def duty() -> list[dict[str, Any]]:
        return await service.duty()

    @router.get("/api/community/out-late", summary="Residents out past their return time")
    async def out_late() -> list[dict[str, Any]]:
        """Members whose exit has no return yet, past the policy's return_within_hours: who,
        which household, out since when, due back when (longest out first). The centre is
        told how many, never who."""
        return await service.out_late_list()

    @router.post("/api/community/duty/sign-in", summary="Start a shift")
    async def sign_in(body: SignIn, user: User) -> dict[str, Any]:
        """The logged-in user signs in to the lane; the answer carries the last handover note."""
        return await guarded(service.sign_in(body.lane, _name(user)))  # type: ignore[no-any-return]

    @router.post("/api/community/duty/sign-out", summary="End a shift")
    async def sign_out(body: SignOut, user: User) -> dict[str, str]:
        await guarded(service.sign_out(body.lane, _name(user), body.note))
        return {"status": "signed out"}

    # -- the daily report -----------------------------------------------------------------------
    @router.get("/api/community/report", summary="The daily report")
    async def daily(day: str | None = None) -> dict[str, Any]:
        return await service.report(_day(day))

    @router.get("/api/community/report.csv", summary="The daily report (CSV)")
    async def daily_csv(request: Request, day: str | None = None) -> Response:
        """In the reader's language; a byte-order mark first, so that Excel reads it as UTF-8."""
        when = _day(day)
        text = to_csv(await service.report(when), gettext_for(request))
        return Response(
            "\ufeff" + text,
            media_type="text/csv; charset=utf-8",
            headers=_attachment(f"daily-report-{when.isoformat()}.csv"),
        )

    @router.get("/api/community/report.pdf", summary="The daily report (PDF)")
    async def daily_pdf(request: Request, day: str | None = None) -> Response:
        """One A4 page in the reader's language, for the sub-district office."""
        when = _day(day)
        pdf = await guarded(service.report_pdf(when, gettext_for(request)))
        return Response(
            pdf,
            media_type="application/pdf",
            headers=_attachment(f"daily-report-{when.isoformat()}.pdf"),
        )

    return router
