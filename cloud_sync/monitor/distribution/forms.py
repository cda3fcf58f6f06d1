"""Publishing from the dashboard, behind the login's roles.

A duty officer (``officer``) publishes notices and status changes; only an administrator
(``admin``) publishes trust material and policies. Every publication is audited with the
logged-in user as who published it. The dashboard signs with the key the monitor was started
with (``--signing-key``); without one these routes answer 503 and say so. What is published is
read and checked as the ``publish`` command reads it (:mod:`.inputs`); bodies are bounded by the
dashboard's body limit (64 KiB: a large list or the whole EU trust list goes through
``central-monitor publish``).

Routes:

- ``POST /api/distribution/notices``                     officer: a notice
- ``POST /api/distribution/notices/{notice_id}/withdraw`` officer: take a notice back
- ``POST /api/distribution/status-list``                 officer: colours of passes (CSV/JSON)
- ``POST /api/distribution/policy``                      admin: an admission policy
- ``POST /api/distribution/trust``                       admin: signer certificates
- ``POST /api/distribution/value-sets``                  admin: EU value sets
"""

# No ``from __future__ import annotations``: FastAPI reads the signatures at run time.

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from cloud_sync.distribution.content import MAX_NOTICE_TEXT, MAX_TITLE
from cloud_sync.distribution.kinds import Kind, Scope, ScopeError
from cloud_sync.monitor.distribution import inputs
from cloud_sync.monitor.distribution import publisher as p
from cloud_sync.monitor.distribution.api import backend_of
from cloud_sync.monitor.distribution.store import DistributionStore
from cloud_sync.monitor.settings import MonitorSettings
from edge.auth.accounts import User

# -- what a person reads (one place, to be translated) ---------------------------------------
NO_KEY = (
    "this monitor has no signing key: start it with --signing-key, or use central-monitor publish"
)
SCOPE_HELP = "all, community:<id> or gateway:<id>"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: str = Field("all", max_length=80, description=SCOPE_HELP)


class NoticeIn(_Body):
    severity: Literal["info", "warning", "critical"] = "info"
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    text: str = Field("", max_length=MAX_NOTICE_TEXT)
    expires_in_hours: float | None = Field(None, gt=0, le=24 * 365)
    replies: bool = True


class StatusIn(_Body):
    text: str = Field(
        min_length=1, max_length=60_000, description="pass_id,colour per line (or JSON)"
    )
    replace: bool = Field(False, description="the text is the whole list")


class PolicyIn(_Body):
    policy: dict[str, Any]


class TrustIn(_Body):
    text: str = Field(min_length=1, max_length=60_000, description="EU trust list JSON, or PEM")


class ValueSetsIn(_Body):
    value_sets: list[dict[str, Any]] = Field(min_length=1, max_length=32)


def signer_of(request: Request) -> p.Signer:
    """The dashboard's signer, loaded once; 503 when the monitor has none."""
    signer: p.Signer | None = getattr(request.app.state, "distribution_signer", None)
    if signer is not None:
        return signer
    settings: MonitorSettings = request.app.state.settings
    if settings.signing_key_file is None:
        raise HTTPException(503, NO_KEY)
    try:
        signer = p.Signer.from_file(settings.signing_key_file, settings.signing_kid)
    except p.PublishError as exc:
        raise HTTPException(503, str(exc)) from None
    request.app.state.distribution_signer = signer
    return signer


def create_router(
    require_officer: Callable[..., Any], require_admin: Callable[..., Any]
) -> APIRouter:
    router = APIRouter(prefix="/api/distribution")
    Officer = Annotated[User, Depends(require_officer)]  # noqa: N806 (a type alias)
    Admin = Annotated[User, Depends(require_admin)]  # noqa: N806

    def publish(
        request: Request,
        user: User,
        kind: Kind,
        scope_text: str,
        change: Any,
        summary: Any,
        detail: str,
        *,
        whole: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            scope = Scope.parse(scope_text)
        except ScopeError as exc:
            raise HTTPException(422, str(exc)) from None
        publisher = p.Publisher(DistributionStore(backend_of(request)), signer_of(request))
        try:
            done = publisher.publish(
                kind,
                scope,
                change,
                by=user.username,
                source="dashboard",
                detail=detail,
                summary=summary,
                whole=whole,
            )
        except p.NothingToPublishError as exc:
            raise HTTPException(409, str(exc)) from None
        except p.PublishError as exc:
            raise HTTPException(422, str(exc)) from None
        sender = getattr(request.app.state, "distribution_sender", None)
        if sender is not None:
            sender.wake()  # on the broker now, not at the next look
        return {
            "publication": done.id,
            "kind": kind.value,
            "scope": str(scope),
            "version": done.publication.version,
            "summary": done.publication.summary,
            **(extra or {}),
        }

    @router.post("/notices")
    def notice(body: NoticeIn, request: Request, user: Officer) -> dict[str, Any]:
        """A notice to the gate staff (officer): a banner until each reads it."""
        now = time.time()
        expires = now + body.expires_in_hours * 3600 if body.expires_in_hours else None
        change, summary, notice_id = p.notice(
            title=body.title,
            text=body.text,
            severity=body.severity,
            now=now,
            expires_at=expires,
            replies=body.replies,
        )
        return publish(
            request, user, Kind.NOTICE, body.scope, change, summary, body.title,
            extra={"notice_id": notice_id},
        )  # fmt: skip

    @router.post("/notices/{notice_id}/withdraw")
    def withdraw(notice_id: str, body: _Body, request: Request, user: Officer) -> dict[str, Any]:
        """Take a notice back (officer): it leaves every page."""
        try:
            scope = Scope.parse(body.scope)
        except ScopeError as exc:
            raise HTTPException(422, str(exc)) from None
        change, summary = p.withdraw(notice_id, scope)
        return publish(request, user, Kind.NOTICE, body.scope, change, summary, notice_id)

    @router.post("/status-list")
    def status_list(body: StatusIn, request: Request, user: Officer) -> dict[str, Any]:
        """Colours of community passes (officer): revoke, red, yellow, green, or remove."""
        try:
            changes, removed = inputs.status_changes_of(
                body.text.encode(), "the form", allow_remove=not body.replace
            )
        except inputs.InputError as exc:
            raise HTTPException(422, str(exc)) from None
        change, summary = p.status_changes(changes, removed, replace=body.replace)
        return publish(
            request, user, Kind.STATUS_LIST, body.scope, change, summary, "from the dashboard",
            whole=body.replace,
        )  # fmt: skip

    @router.post("/policy")
    def policy(body: PolicyIn, request: Request, user: Admin) -> dict[str, Any]:
        """An admission policy (admin), checked as the gateways check it."""
        try:
            doc = inputs.policy_of(body.policy, "the policy")
        except inputs.InputError as exc:
            raise HTTPException(422, str(exc)) from None
        change, summary = p.policy(doc)
        return publish(request, user, Kind.POLICY, body.scope, change, summary, "dashboard")

    @router.post("/trust")
    def trust(body: TrustIn, request: Request, user: Admin) -> dict[str, Any]:
        """Signer certificates (admin): the EU trust list (JSON) or PEM certificates."""
        try:
            certs = inputs.certificates_of([(Path("the form"), body.text.encode())])
        except inputs.InputError as exc:
            raise HTTPException(422, str(exc)) from None
        change, summary = p.certificates(certs)
        return publish(request, user, Kind.TRUST, body.scope, change, summary, "dashboard")

    @router.post("/value-sets")
    def value_sets(body: ValueSetsIn, request: Request, user: Admin) -> dict[str, Any]:
        """EU value sets (admin), each replacing the list of the same valueSetId."""
        try:
            docs = inputs.value_sets_of(
                [(f"value set {n}", d) for n, d in enumerate(body.value_sets)]
            )
        except inputs.InputError as exc:
            raise HTTPException(422, str(exc)) from None
        change, summary = p.value_sets(docs)
        return publish(request, user, Kind.TRUST, body.scope, change, summary, "dashboard")

    return router
