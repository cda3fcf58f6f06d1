"""The login as FastAPI sees it: dependencies, the login routes, and a login page redirect.

An app built on this sets ``app.state.auth`` to a :class:`WebAuth` (see :func:`attach`).
Routes take :data:`CurrentUser` (401 without a login) or ``Depends(require_role("..."))``.
A request logs in with the session cookie, a bearer token (the token the login returned), or
HTTP Basic credentials (checked, and throttled, each time).
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures at run time,
# and the request models below are local to create_router.

import base64
import binascii
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from edge.auth.accounts import MAX_USERNAME, User
from edge.auth.errors import PasswordChangeError, TooManyAttemptsError
from edge.auth.service import MAX_PASSWORD, Authenticator
from edge.auth.sessions import Session
from edge.core.words import N_

# What a person reads.
LOG_IN_FIRST = N_("log in first")
WRONG_LOGIN = N_("wrong username or password")
TOO_MANY = N_("too many failed logins: wait a while and try again")
NOT_ALLOWED = N_("only a {role} may do this; {username} is {actual}")


@dataclass(frozen=True, slots=True)
class WebAuth:
    """What the routes need: the authenticator and how the session cookie is set."""

    authenticator: Authenticator
    cookie: str
    cookie_secure: bool
    describe: Callable[[User], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Login:
    """How this request is logged in. ``session`` and ``token`` are None for HTTP Basic."""

    user: User
    session: Session | None = None
    token: str | None = None


def plain_user(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": user.role}


def attach(app: FastAPI, auth: WebAuth, *, login_page: Callable[[str], str]) -> None:
    """Make ``auth`` the app's login; a page (an HTML GET outside ``/api/``) asked for without
    a login is redirected to ``login_page(path)`` instead of answering 401."""
    app.state.auth = auth

    async def redirect_pages(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if (
            exc.status_code == 401
            and request.method == "GET"
            and not path.startswith("/api/")
            and "text/html" in request.headers.get("accept", "")
        ):
            return RedirectResponse(login_page(path), status_code=303)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, redirect_pages)


def next_param(path: str) -> str:
    return quote(path, safe="/")


def get_auth(request: Request) -> WebAuth:
    return cast(WebAuth, request.app.state.auth)


AuthDep = Annotated[WebAuth, Depends(get_auth)]


def client_of(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def too_many(exc: TooManyAttemptsError) -> HTTPException:
    retry = max(1, min(int(exc.retry_after_s) + 1, 86_400))
    return HTTPException(429, TOO_MANY, headers={"Retry-After": str(retry)})


async def current_login(request: Request, auth: AuthDep) -> Login | None:
    authenticator = auth.authenticator
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        token = credentials.strip()
        found = await authenticator.user_of_token(token)
        return Login(found[0], found[1], token) if found else None
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (ValueError, binascii.Error):
            return None
        username, sep, password = decoded.partition(":")
        if not sep or len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            return None
        try:
            user = await authenticator.check(username, password, client_of(request))
        except TooManyAttemptsError as exc:
            raise too_many(exc) from None
        return Login(user) if user is not None else None
    cookie = request.cookies.get(auth.cookie)
    if cookie:
        found = await authenticator.user_of_token(cookie)
        return Login(found[0], found[1], cookie) if found else None
    return None


OptionalLogin = Annotated[Login | None, Depends(current_login)]


async def optional_user(login: OptionalLogin) -> User | None:
    return login.user if login is not None else None


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def require_login(login: OptionalLogin) -> Login:
    if login is None:
        # "Bearer", not "Basic": a Basic challenge would pop up the browser's own login box.
        raise HTTPException(401, LOG_IN_FIRST, headers={"WWW-Authenticate": "Bearer"})
    return login


CurrentLogin = Annotated[Login, Depends(require_login)]


async def require_user(login: CurrentLogin) -> User:
    """Anyone logged in (401 otherwise)."""
    return login.user


CurrentUser = Annotated[User, Depends(require_user)]


def require_role(minimum: str) -> Callable[..., Any]:
    """A dependency: a user whose role is ``minimum`` or above (403 otherwise)."""

    async def role(user: CurrentUser, auth: AuthDep) -> User:
        if not auth.authenticator.roles.allows(user.role, minimum):
            detail = NOT_ALLOWED.format(role=minimum, username=user.username, actual=user.role)
            raise HTTPException(403, detail)
        return user

    role.__doc__ = f"A logged-in user who is at least {minimum} (403 otherwise)."
    return role


def metrics_access(*, public: bool, token: bytes | None) -> Callable[..., Any]:
    """A dependency for ``/metrics``: open when ``public``, else a logged-in user or the
    scrape token as a bearer (Prometheus' ``authorization: credentials_file``)."""

    async def access(request: Request, auth: AuthDep) -> None:
        if public:
            return
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        bearer = credentials.strip().encode("utf-8") if scheme.lower() == "bearer" else b""
        if token is not None and bearer and hmac.compare_digest(bearer, token):
            return
        if await current_login(request, auth) is None:
            raise HTTPException(401, LOG_IN_FIRST, headers={"WWW-Authenticate": "Bearer"})

    return access


# -- the routes ---------------------------------------------------------------------------------
# Field descriptions and examples are what /docs shows for each request body.
class LoginIn(BaseModel):
    """A username and password, as in the users file."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(
        min_length=1,
        max_length=MAX_USERNAME,
        description="The account's name, as in the users file.",
        examples=["li.wei"],
    )
    password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD,
        description="The account's password.",
        examples=["k7mp-qx3r-w9ta"],
    )


class PasswordIn(BaseModel):
    """The password in use and the one to use from now on."""

    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD,
        description="The password in use now.",
        examples=["k7mp-qx3r-w9ta"],
    )
    new_password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD,
        description="The new password: at least 8 characters.",
        examples=["gate-north-2026"],
    )


def _set_cookie(response: Response, auth: WebAuth, token: str) -> None:
    response.set_cookie(
        auth.cookie,
        token,
        max_age=int(auth.authenticator.sessions.max_age_s),
        httponly=True,
        samesite="strict",
        secure=auth.cookie_secure,
        path="/",
    )


def create_router(*, sessions_role: str) -> APIRouter:
    """``POST /api/login``, ``POST /api/logout``, ``GET /api/me``, ``POST /api/password``
    (where passwords can be changed), ``GET /api/sessions`` and ``POST /api/sessions/end-all``
    (for ``sessions_role`` and above)."""
    router = APIRouter(tags=["auth"])
    manager = require_role(sessions_role)

    @router.post("/api/login", summary="Log in")
    async def login(
        body: LoginIn, request: Request, response: Response, auth: AuthDep
    ) -> dict[str, Any]:
        """Check a username and password and start a session: the answer sets the session
        cookie, and its JSON carries the same session as a token, which an API client sends
        as the header "Authorization: Bearer TOKEN". Too many wrong tries are refused for a
        while (429)."""
        try:
            done = await auth.authenticator.login(body.username, body.password, client_of(request))
        except TooManyAttemptsError as exc:
            raise too_many(exc) from None
        if done is None:
            raise HTTPException(401, WRONG_LOGIN)
        user, token = done
        _set_cookie(response, auth, token)
        return {**auth.describe(user), "token": token}

    @router.post("/api/logout", summary="Log out")
    async def logout(request: Request, response: Response, auth: AuthDep) -> dict[str, bool]:
        """End this session (the cookie's, or the bearer token's) at once and remove the
        cookie. Copies of the token stop working too."""
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        token = credentials.strip() if scheme.lower() == "bearer" else None
        for candidate in (token, request.cookies.get(auth.cookie)):
            if candidate:
                await auth.authenticator.sessions.end(candidate)
        response.delete_cookie(auth.cookie, path="/", httponly=True, samesite="strict")
        return {"ok": True}

    @router.get("/api/me", summary="Who is logged in")
    async def me(user: CurrentUser, auth: AuthDep) -> dict[str, Any]:
        """The user name and role of whoever sends this request; 401 when nobody is logged
        in."""
        return auth.describe(user)

    @router.post("/api/password", summary="Change your password")
    async def change_password(
        body: PasswordIn, request: Request, response: Response, login: CurrentLogin, auth: AuthDep
    ) -> dict[str, Any]:
        """Change your own password; the current one is needed. Every other session of
        yours ends, on every device; this one goes on with a new token (in the cookie and in
        the answer). A new password that is too short is refused (400)."""
        try:
            token = await auth.authenticator.change_password(
                login.user,
                body.current_password,
                body.new_password,
                client_of(request),
                token=login.token,
            )
        except TooManyAttemptsError as exc:
            raise too_many(exc) from None
        except PasswordChangeError as exc:
            raise HTTPException(400, exc.reason) from None
        _set_cookie(response, auth, token)
        return {**auth.describe(login.user), "token": token}

    @router.get("/api/sessions", summary="Who is logged in, everywhere")
    async def sessions(
        login: CurrentLogin, auth: AuthDep, user: Annotated[User, Depends(manager)]
    ) -> list[dict[str, Any]]:
        """Every open session: whose it is, the address it came from, when it started and
        when it ends, and which one is yours. Tokens are never shown."""
        current = login.session.key if login.session is not None else None
        return [
            {
                "username": s.username,
                "client": s.client,
                "created_at": s.created_at,
                "expires_at": s.expires_at,
                "current": s.key == current,
            }
            for s in auth.authenticator.sessions.sessions()
        ]

    @router.post("/api/sessions/end-all", summary="Sign out everyone else")
    async def end_all(
        login: CurrentLogin, auth: AuthDep, user: Annotated[User, Depends(manager)]
    ) -> dict[str, int]:
        """End every session but your own, at once (a lost tablet, a password that got
        out). Answers how many ended."""
        return {"ended": await auth.authenticator.end_everyone_else(login.session)}

    return router
