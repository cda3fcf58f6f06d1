"""``GET /api/live``: server-sent events fed by the gateway's bus, one write per event.

On connect the stream sends a snapshot (lanes, each lane's latest screening, recent screenings,
devices), then every bus event the page draws (:data:`PAGE_EVENTS`: decisions, pending halves,
devices, storage, the policy; not the storeroom's stock and alerts, which have their own page)
as it is published, each as its own ``data:`` message flushed at once (the page's latency
budget is milliseconds, so nothing is batched). A comment line every ``heartbeat_s`` keeps
proxies and the browser's idle timers quiet. If the bus dropped events for this slow client, a
fresh snapshot follows so the page is never left wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from edge.auth.sessions import CredentialWatch, SessionWatch, Watch
from edge.auth.web import AuthDep, CurrentLogin
from edge.checkpoint.service import CheckpointService
from edge.core.events import (
    DecisionOverridden,
    DeviceInputRejected,
    DeviceStatus,
    PolicyChanged,
    ScreeningDecided,
    ScreeningNotRecorded,
    ScreeningPending,
    ScreeningRecorded,
    StorageStatus,
)
from edge.core.storage_health import StorageUnavailableError
from edge.web.deps import Service, Settings
from edge.web.views import event_json, plain

RETRY_MS = 2000
#: What the checkpoint page draws. Nothing else is sent: a burst of the storeroom's stock
#: changes (500 shelves settling at once) must not queue ahead of a lane's decision.
PAGE_EVENTS: tuple[type, ...] = (
    ScreeningPending,
    ScreeningDecided,
    ScreeningRecorded,
    ScreeningNotRecorded,
    StorageStatus,
    DecisionOverridden,
    DeviceStatus,
    DeviceInputRejected,
    PolicyChanged,
)


class LiveHub:
    """Ends every open stream when the server shuts down (a stream would otherwise hold the
    server's graceful shutdown open until its timeout)."""

    def __init__(self) -> None:
        self.closing = asyncio.Event()
        self.open_streams = 0

    def close_all(self) -> None:
        self.closing.set()


def sse(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"


async def snapshot(service: CheckpointService, limit: int) -> dict[str, Any]:
    """What the page shows, read off the event loop (the lanes' latest and the recent list)."""
    lanes = service.lanes()
    try:
        pages = await asyncio.gather(
            service.list_screenings(limit=limit),
            *(service.list_screenings(lane=lane.id, limit=1) for lane in lanes),
        )
    except StorageUnavailableError:  # the page still shows the lanes, and says why
        pages = [[] for _ in range(len(lanes) + 1)]
    recent, per_lane = pages[0], pages[1:]
    latest = {
        lane.id: plain(rows[0]) if rows else None
        for lane, rows in zip(lanes, per_lane, strict=True)
    }
    return {
        "type": "snapshot",
        "lanes": [plain(lane) for lane in lanes],
        "latest": latest,
        "screenings": [plain(s) for s in recent],
        "devices": [plain(d) for d in service.devices()],
        "storage": event_json(service.storage_status()),
        "policy_version": service.policy().get("version"),
    }


async def stream(
    service: CheckpointService,
    hub: LiveHub,
    *,
    heartbeat_s: float,
    limit: int,
    session: Watch | None = None,
) -> AsyncIterator[bytes]:
    """``session``: the stream ends as soon as that session does (logout, a password change,
    "sign out everyone", expiry); the browser's reconnection then meets the login."""
    # Subscribe before the snapshot so nothing falls between them (a duplicate is harmless).
    sub = service.bus.subscribe(kinds=PAGE_EVENTS)
    closing = asyncio.ensure_future(hub.closing.wait())
    getter: asyncio.Future[Any] | None = None
    ended: asyncio.Future[Any] | None = None
    hub.open_streams += 1
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        yield sse(await snapshot(service, limit))
        dropped = sub.dropped
        while True:
            if getter is None:
                getter = asyncio.ensure_future(sub.get())
            if session is not None and ended is None:
                ended = asyncio.ensure_future(session.ended().wait())
            waiting = {getter, closing} | ({ended} if ended is not None else set())
            done, _ = await asyncio.wait(
                waiting, timeout=heartbeat_s, return_when=asyncio.FIRST_COMPLETED
            )
            if closing in done:
                return
            if session is not None and (ended in done or not done) and not session.live():
                return
            if ended in done:
                ended = None
            if getter in done:
                event, getter = getter.result(), None
                if sub.dropped != dropped:
                    dropped = sub.dropped
                    yield sse(await snapshot(service, limit))
                yield sse(event_json(event))
            elif not done:
                yield b": heartbeat\n\n"
    finally:
        hub.open_streams -= 1
        sub.close()
        for future in (getter, closing, ended):
            if future is not None:
                future.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await future


def create_router() -> APIRouter:
    router = APIRouter(tags=["live"])

    @router.get(
        "/api/live",
        summary="Live events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def live(
        request: Request, service: Service, settings: Settings, login: CurrentLogin, auth: AuthDep
    ) -> StreamingResponse:
        """What the staff page listens to, as server-sent events: first a snapshot of the
        lanes and the recent screenings, then each event the page draws as it happens, a JSON
        object whose "type" says what it is (ScreeningDecided, ScreeningRecorded,
        ScreeningNotRecorded, ScreeningPending, DecisionOverridden, DeviceStatus,
        DeviceInputRejected, StorageStatus, PolicyChanged). A comment line is sent
        now and then so that an idle connection stays open."""
        hub: LiveHub = request.app.state.live
        authenticator = auth.authenticator
        watch: Watch
        if login.session is not None and login.token is not None:
            watch = SessionWatch(authenticator.sessions, login.token)
        else:  # HTTP Basic: no session; the stream ends when that password changes
            version = functools.partial(authenticator.password_version, login.user.username)
            watch = CredentialWatch(authenticator.sessions, version, version())
        body = stream(
            service,
            hub,
            heartbeat_s=settings.heartbeat_s,
            limit=settings.snapshot_screenings,
            session=watch,
        )
        return StreamingResponse(
            body,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
