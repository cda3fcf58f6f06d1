"""``POST /api/login``, ``POST /api/logout``, ``GET /api/me``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from edge.web.auth import COOKIE, AuthenticatorDep, CurrentUser, TooManyAttemptsError
from edge.web.users import User


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


def _user_json(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "supervisor": user.is_supervisor}


def create_router() -> APIRouter:
    router = APIRouter(tags=["auth"])

    @router.post("/api/login")
    async def login(body: LoginIn, response: Response, auth: AuthenticatorDep) -> dict[str, Any]:
        """Check a username and password; set the session cookie. The JSON also carries the
        token, for API clients to send as ``Authorization: Bearer <token>``."""
        try:
            user = await auth.login(body.username, body.password)
        except TooManyAttemptsError as exc:
            raise HTTPException(
                429,
                "too many failed logins: wait a minute and try again",
                headers={"Retry-After": str(max(1, int(exc.retry_after_s) + 1))},
            ) from None
        if user is None:
            raise HTTPException(401, "wrong username or password")
        token = auth.issue(user)
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(auth.settings.session_max_age_s),
            httponly=True,
            samesite="strict",
            secure=auth.settings.cookie_secure,
            path="/",
        )
        return {**_user_json(user), "token": token}

    @router.post("/api/logout")
    async def logout(response: Response) -> dict[str, bool]:
        """Forget the session cookie."""
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return {"ok": True}

    @router.get("/api/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        """Who is logged in (401 when nobody)."""
        return _user_json(user)

    return router
