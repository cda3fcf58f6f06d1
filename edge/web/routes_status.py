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

    @router.get("/api/lanes")
    async def lanes(service: Service, user: CurrentUser) -> list[dict[str, Any]]:
        """Each lane with what it waits for and today's counts."""
        return [plain(lane) for lane in service.lanes()]

    @router.get("/api/devices")
    async def devices(service: Service, user: CurrentUser) -> list[dict[str, Any]]:
        """Each device: connected, silent, unplugged or starting, why, and rejected input."""
        return [plain(d) for d in service.devices()]

    @router.get("/api/policy")
    async def policy(service: Service, user: CurrentUser) -> dict[str, Any]:
        """The admission policy in force, with its version."""
        return service.policy()

    @router.post("/api/policy/reload")
    async def reload_policy(service: Service, user: Supervisor) -> dict[str, Any]:
        """Re-read the policy file (supervisors only); 400 names the bad key."""
        try:
            return await service.reload_policy()
        except ServiceError as exc:
            raise http_error(exc) from None

    @router.get("/healthz", tags=["health"])
    async def healthz(service: Service, request: Request) -> dict[str, Any]:
        """No login needed: the web app answers, how many devices are in each state, and
        whether decisions are being recorded (from memory: no disk read)."""
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
