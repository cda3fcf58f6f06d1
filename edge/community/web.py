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


# Field descriptions and examples are what /docs shows for each request body.
_BUILDING = "The building, as the community numbers it."
_ID_LAST4 = "The last 4 characters of the identity number (digits, the last may be X)."
_LANE = "The lane's id, as in the configuration's [[checkpoint.lanes]]."
_DAY = "The local day, YYYY-MM-DD (default: today)."


class HouseholdIn(_Body):
    """A household: its address in the community."""

    building: str = Field(min_length=1, max_length=20, description=_BUILDING, examples=["3"])
    unit: str = Field("", max_length=20, description="The unit (empty if none).", examples=["2"])
    room: str = Field(min_length=1, max_length=20, description="The room number.", examples=["501"])
    note: str = Field(
        "",
        max_length=500,
        description="A note staff see (optional).",
        examples=["elderly, lives alone"],
    )


class HouseholdPatch(_Body):
    """A household's note, changed."""

    note: str = Field(
        max_length=500,
        description="The note staff see (empty to clear it).",
        examples=["moved in 2026-11"],
    )


class MemberIn(_Body):
    """A member of the household."""

    name: str = Field(
        min_length=1, max_length=100, description="The member's full name.", examples=["王伟"]
    )
    phone: str = Field(
        "", max_length=20, description="A phone number (optional).", examples=["13800000001"]
    )
    id_last4: str = Field(
        "", pattern=r"^([0-9]{3}[0-9Xx])?$", description=_ID_LAST4, examples=["123X"]
    )
    has_phone: bool = Field(
        True,
        description="Whether they have a smartphone (false: print them a pass card).",
        examples=[True],
    )


class MemberPatch(_Body):
    """The member's fields to change; those left out stay as they are."""

    name: str | None = Field(
        None, min_length=1, max_length=100, description="The member's full name.", examples=["王伟"]
    )
    phone: str | None = Field(
        None,
        max_length=20,
        description="A phone number (empty to clear it).",
        examples=["13800000001"],
    )
    id_last4: str | None = Field(
        None, pattern=r"^([0-9]{3}[0-9Xx])?$", description=_ID_LAST4, examples=["123X"]
    )
    has_phone: bool | None = Field(
        None, description="Whether they have a smartphone.", examples=[False]
    )


class PassesIn(_Body):
    """Whom to issue passes to: the members named, or every member (of one building, or only
    those without a smartphone)."""

    member_ids: list[int] = Field(
        default_factory=list,
        max_length=100_000,
        description="The members' ids (empty: choose by the fields below).",
        examples=[[12, 13]],
    )
    without_phone_only: bool = Field(
        False, description="Only members without a smartphone (who need a card).", examples=[True]
    )
    building: str | None = Field(
        None, max_length=20, description="Only this building's members (optional).", examples=["3"]
    )
    days: float | None = Field(
        None,
        gt=0,
        le=3660,
        description="How many days the passes are valid (default: community.pass_days).",
        examples=[90],
    )


class VisitIn(_Body):
    """A visit registered ahead: who visits which household, why and when."""

    household_id: int = Field(description="The host household's id.", examples=[7])
    name: str = Field(
        min_length=1,
        max_length=100,
        description="The visitor's name (purged later).",
        examples=["赵磊"],
    )
    reason: str = Field(
        min_length=1, max_length=500, description="Why they visit.", examples=["bringing medicine"]
    )
    valid_from: float = Field(
        description="When the pass starts to work, in epoch seconds.", examples=[1796025600]
    )
    valid_until: float = Field(
        description="When it stops working, in epoch seconds (at most visitor_max_days later).",
        examples=[1796040000],
    )


class ManualIn(_Body):
    """A person with no code at all, registered by the staff member logged in."""

    lane: str = Field(max_length=64, description=_LANE, examples=["north"])
    category: str = Field(
        max_length=40,
        description="Who they are: one of the policy's [manual] categories.",
        examples=["elderly"],
    )
    reason: str = Field(
        max_length=500,
        description="Why they have no code (kept in the audit).",
        examples=["no smartphone"],
    )
    temperature: float | None = Field(
        None, ge=30, le=45, description="Their temperature in °C, if measured.", examples=[36.5]
    )
    id_last4: str = Field("", max_length=4, description=_ID_LAST4, examples=["123X"])
    name: str = Field(
        "", max_length=100, description="Their name (optional; purged later).", examples=["陈奶奶"]
    )
    member_id: int | None = Field(
        None, description="The registry's member, if they are one (optional).", examples=[None]
    )


class SignIn(_Body):
    """The lane the logged-in user starts a shift at."""

    lane: str = Field(max_length=64, description=_LANE, examples=["north"])


class SignOut(_Body):
    """The lane the logged-in user ends a shift at, with a note for the next shift."""

    lane: str = Field(max_length=64, description=_LANE, examples=["north"])
    note: str = Field(
        "",
        max_length=2000,
        description="The handover note the next shift sees.",
        examples=["Room 3-2-501's father went out at 9 and is not back yet."],
    )


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
        search: str = Query(
            "", max_length=100, description="A room (3-2-501) or part of a member's name."
        ),
        limit: int = Query(100, description="How many households at most (1 to 1000)."),
        offset: int = Query(0, description="How many to skip, for the next page."),
    ) -> dict[str, Any]:
        """Households by address, with their member counts and the total found; search by
        room or by a member's name."""
        return await service.households(search, limit, max(0, offset))  # type: ignore[no-any-return]

    @router.post("/api/community/households", summary="Add a household", status_code=201)
    async def add_household(body: HouseholdIn, _s: Supervisor) -> dict[str, Any]:
        """A supervisor adds a household by its address (building, unit, room); the answer is
        the new household. An address already there is refused."""
        hid = await guarded(service.add_household(body.building, body.unit, body.room, body.note))
        return await guarded(service.household(hid))  # type: ignore[no-any-return]

    @router.get("/api/community/households/{household_id}", summary="A household")
    async def household(household_id: int) -> dict[str, Any]:
        """A household with its members: name, phone, identity digits, whether they have a
        smartphone and until when their newest pass is valid."""
        return await guarded(service.household(household_id))  # type: ignore[no-any-return]

    @router.patch("/api/community/households/{household_id}", summary="Change a household")
    async def patch_household(
        household_id: int, body: HouseholdPatch, _s: Supervisor
    ) -> dict[str, Any]:
        """A supervisor changes the household's note, which staff see on the page."""
        await guarded(service.update_household(household_id, body.note))
        return await guarded(service.household(household_id))  # type: ignore[no-any-return]

    @router.delete("/api/community/households/{household_id}", summary="Remove a household")
    async def delete_household(household_id: int, _s: Supervisor) -> dict[str, str]:
        """A supervisor removes a household that moved away, with its members, their passes
        and exits, and its visits."""
        await guarded(service.delete_household(household_id))
        return {"status": "removed"}

    @router.post(
        "/api/community/households/{household_id}/members", summary="Add a member", status_code=201
    )
    async def add_member(household_id: int, body: MemberIn, _s: Supervisor) -> dict[str, Any]:
        """A supervisor adds a member to the household; the answer is the household with its
        members. A name already in the household is refused."""
        await guarded(service.add_member(household_id, **body.model_dump()))
        return await guarded(service.household(household_id))  # type: ignore[no-any-return]

    @router.patch("/api/community/members/{member_id}", summary="Change a member")
    async def patch_member(member_id: int, body: MemberPatch, _s: Supervisor) -> dict[str, str]:
        """A supervisor changes a member's name, phone, identity digits or smartphone flag."""
        await guarded(service.update_member(member_id, body.model_dump(exclude_none=True)))
        return {"status": "changed"}

    @router.delete("/api/community/members/{member_id}", summary="Remove a member")
    async def delete_member(member_id: int, _s: Supervisor) -> dict[str, str]:
        """A supervisor removes a member; their passes then name nobody at the gate."""
        await guarded(service.delete_member(member_id))
        return {"status": "removed"}

    @router.post("/api/community/import", summary="Import a registry file")
    async def import_file(
        request: Request,
        _s: Supervisor,
        filename: str = Query(
            "registry.csv",
            max_length=200,
            description="The file's name: one ending in .xlsx is read as a workbook.",
        ),
    ) -> dict[str, Any]:
        """A supervisor imports households and members: the body is the CSV or XLSX file
        itself (at most 20 MB). A file with a bad row imports nothing; the answer (422) lists
        every problem with its line and column."""
        data = await request.body()
        if len(data) > MAX_IMPORT_BYTES:
            raise HTTPException(413, FILE_TOO_LARGE)
        result = await guarded(service.import_file(filename, data))
        return dataclasses.asdict(result)

    # -- passes ---------------------------------------------------------------------------------
    @router.post("/api/community/passes", summary="Issue passes in a batch")
    async def issue(body: PassesIn, supervisor: Supervisor) -> dict[str, Any]:
        """A supervisor issues community passes, signed with community.pass_key_file, to the
        members chosen, in one batch; the answer names the batch to print."""
        which = Selection(tuple(body.member_ids), body.without_phone_only, body.building)
        return await guarded(  # type: ignore[no-any-return]
            service.issue_passes(which, user=_name(supervisor), days=body.days)
        )

    @router.get("/api/community/passes/batches", summary="Pass batches")
    async def batches() -> list[dict[str, Any]]:
        """The batches of passes issued, newest first: when, by whom, how many, valid until."""
        return await service.batches()

    @router.get("/api/community/passes/sheet.pdf", summary="Pass cards to print (PDF)")
    async def sheet(
        request: Request,
        batch: int | None = Query(None, description="The batch whose cards to print."),
        member: Annotated[
            list[int] | None, Query(description="Or members (by id) whose newest pass to print.")
        ] = None,
    ) -> Response:
        """The pass cards to print for residents without a phone, eight to an A4 page with cut
        lines, in the reader's language."""
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
    async def visits(
        since: float | None = Query(
            None, description="Visits that end after this (epoch seconds; default: a day ago)."
        ),
    ) -> list[dict[str, Any]]:
        """Visits, the latest first: host household, visitor, reason, when, cancelled or not,
        and the pass's text."""
        return await service.visits(since)

    @router.post("/api/community/visits", summary="Register a visit", status_code=201)
    async def add_visit(body: VisitIn, user: User) -> dict[str, Any]:
        """Staff register a visit ahead; the gateway signs a visitor pass that the gate
        accepts inside the window only. The answer carries the pass."""
        return await guarded(  # type: ignore[no-any-return]
            service.register_visit(**body.model_dump(), user=_name(user))
        )

    @router.get("/api/community/visits/{visit_id}/qr.svg", summary="A visitor pass's QR code")
    async def visit_qr(visit_id: str) -> Response:
        """The visitor pass as a QR code (SVG) to show on a screen or print."""
        import segno

        found = [v for v in await service.visits(0) if v["visit_id"] == visit_id]
        if not found or not found[0]["pass_text"]:
            raise HTTPException(404, NO_SUCH_VISIT)
        out = io.BytesIO()
        segno.make_qr(found[0]["pass_text"], error="m", mode="byte").save(out, kind="svg", scale=4)
        return Response(out.getvalue(), media_type="image/svg+xml")

    @router.post("/api/community/visits/{visit_id}/cancel", summary="Cancel a visit")
    async def cancel_visit(visit_id: str, user: User) -> dict[str, str]:
        """Cancel a visit: its pass is refused at the gate from now on."""
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
        """The manual registrations, newest first: lane, who registered, why, the outcome."""
        return await service.manual_registrations()

    @router.get("/api/community/audit", summary="The audit trail")
    async def audit() -> list[dict[str, Any]]:
        """What staff decided rather than the policy, newest first: overrides and manual
        registrations together, with who, when and why."""
        return await service.audit()

    # -- duty -----------------------------------------------------------------------------------
    @router.get("/api/community/duty", summary="Who is on duty")
    async def duty() -> list[dict[str, Any]]:
        """Per lane: who is on duty since when, whether its devices work, the last handover
        note, and the open unstaffed-lane alert."""
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
        """The logged-in user ends the shift at the lane with a handover note for the next."""
        await guarded(service.sign_out(body.lane, _name(user), body.note))
        return {"status": "signed out"}

    # -- the daily report -----------------------------------------------------------------------
    @router.get("/api/community/report", summary="The daily report")
    async def daily(day: str | None = Query(None, description=_DAY)) -> dict[str, Any]:
        """The day's figures (entries, exits, fevers, denials by reason and more), the
        community's names and every shift with its handover note."""
        return await service.report(_day(day))

    @router.get("/api/community/report.csv", summary="The daily report (CSV)")
    async def daily_csv(
        request: Request, day: str | None = Query(None, description=_DAY)
    ) -> Response:
        """The report as a spreadsheet, in the reader's language; a byte-order mark first, so
        that Excel reads it as UTF-8."""
        when = _day(day)
        text = to_csv(await service.report(when), gettext_for(request))
        return Response(
            "\ufeff" + text,
            media_type="text/csv; charset=utf-8",
            headers=_attachment(f"daily-report-{when.isoformat()}.csv"),
        )

    @router.get("/api/community/report.pdf", summary="The daily report (PDF)")
    async def daily_pdf(
        request: Request, day: str | None = Query(None, description=_DAY)
    ) -> Response:
        """The report on one A4 page in the reader's language, for the sub-district office."""
        when = _day(day)
        pdf = await guarded(service.report_pdf(when, gettext_for(request)))
        return Response(
            pdf,
            media_type="application/pdf",
            headers=_attachment(f"daily-report-{when.isoformat()}.pdf"),
        )

    return router
