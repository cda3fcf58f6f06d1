"""Lanes, devices, the admission policy, and the health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from edge.checkpoint.service import ServiceError
from edge.web.auth import CurrentUser, Supervisor
from edge.web.deps import Service
from edge.web.routes_screenings import http_error
from edge.web.views import device_summary, plain


def create_router() -> APIRouter:
    router = APIRouter(tags=["status"])

    @router.get("/api/lanes", summary="Lanes")
    async def lanes(service: Service, user: CurrentUser) -> list[dict[str, Any]]:
        """Each lane: its latest decision, what it is waiting for (a temperature or a code),
        and today's counts."""
        return [plain(lane) for lane in service.lanes()]

    @router.get("/api/devices", summary="Devices")
    async def devices(service: Service, user: CurrentUser) -> list[dict[str, Any]]:
        """Each thermometer and scanner: connected, silent, unplugged or starting, why, and
        how much of its input was rejected, by reason."""
        return [plain(d) for d in service.devices()]

    @router.get("/api/policy", summary="The admission policy")
    async def policy(service: Service, user: CurrentUser) -> dict[str, Any]:
        """The admission policy in force (fever threshold, what each code colour means, what
        to do when a device is down), with its version."""
        return service.policy()

    @router.post("/api/policy/reload", summary="Reload the admission policy")
    async def reload_policy(service: Service, user: Supervisor) -> dict[str, Any]:
        """Read the policy file again and put it in force (supervisors only). A file with a
        mistake is refused with 400, naming the key, and the policy in force stays."""
        try:
            return await service.reload_policy()
        except ServiceError as exc:
            raise http_error(exc) from None

    @router.get("/healthz", tags=["health"], summary="Health check")
    async def healthz(service: Service, request: Request) -> dict[str, Any]:
        """For monitoring; no login needed. Says "ok" or "degraded", how many devices are in
        each state, whether decisions are being recorded, and how the storeroom and uplink
        are. Answered from memory, without reading the disk."""
        devices = service.devices()
        storage = service.storage_status()
        summary = device_summary(devices)
        parts: dict[str, dict[str, Any]] = request.app.state.parts()
        degraded = (
            not storage.ok
            or any(d.state not in ("connected", "starting") for d in devices)
            or any(p["state"] == "restarting" for p in parts.values())
        )
        return {
            "status": "degraded" if degraded else "ok",
            "lanes": len(service.lanes()),
            "devices": summary,
            "storage": {
                "ok": storage.ok,
                "problem": storage.problem,
                "what": storage.what,
                "advice": storage.advice,
                "unrecorded_decisions": storage.unrecorded,
            },
            "parts": parts,
        }

    return router
