"""What every request and response of a web app (the gateway's, the centre's) goes through:

- :class:`BodyLimit`: a body over the limit is refused (413, in words) before it is parsed,
  on its Content-Length, or while it streams in without one; nothing is buffered first.
- :class:`SameOrigin`: a state-changing request (POST, PUT, PATCH, DELETE) that carries the
  session cookie must say, in Origin or Referer, that it comes from the app's own origin,
  port included (SameSite cookies do not tell ports apart). API clients that send a bearer
  token or Basic credentials and no cookie are exempt: a browser never adds those by itself.
- :class:`SecurityHeaders`: CSP (no framing, nothing from elsewhere, no inline code unless a
  page names its own by hash, see :func:`page_csp`), nosniff and a referrer policy on every
  response, errors included; API answers are not cached.
- :func:`validation_error`: a 422 that names the field and the problem, never the input
  (FastAPI's own echoes the whole input back).

:func:`install` puts them on an app in the right order.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from edge.core.words import N_

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the policy of every response that does not bring its own (a page with inline code does)
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
    " frame-ancestors 'none'; form-action 'self'"
)
#: ``same-origin`` and not ``no-referrer``: with no-referrer a browser sends ``Origin: null``
#: on the page's own POSTs, and the origin check could not tell them from a stranger's.
REFERRER_POLICY = "same-origin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# What a person (or the page on their behalf) reads.
TOO_LARGE = N_("the request is too large: at most {limit} bytes are accepted")
FOREIGN_ORIGIN = N_("refused: the request did not come from this site's own pages (origin check)")
NO_ORIGIN = N_("refused: the browser did not say which page sent this request (origin check)")
INTERNAL_ERROR = N_("internal error: the server's log says more")

#: a request's field that is not right, by pydantic's error type, in words a page translates
NOT_VALID = N_("is not valid")
PROBLEMS: dict[str, str] = {
    "missing": N_("is missing"),
    "string_too_long": N_("is longer than {n} characters"),
    "string_too_short": N_("is shorter than {n} characters"),
    "too_long": N_("has more than {n} items"),
    "too_short": N_("has fewer than {n} items"),
    "string_pattern_mismatch": N_("has characters that are not allowed"),
    "greater_than_equal": N_("must be at least {n}"),
    "greater_than": N_("must be more than {n}"),
    "less_than_equal": N_("must be at most {n}"),
    "less_than": N_("must be less than {n}"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "finite_number": N_("must be a number"),
    "literal_error": N_("is not one of the allowed values"),
    "enum": N_("is not one of the allowed values"),
    "json_invalid": N_("is not valid JSON"),
    "extra_forbidden": N_("is not expected here"),
    "string_type": N_("must be text"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "dict_type": N_("must be an object"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "list_type": N_("must be a list"),
}


# -- body limit ---------------------------------------------------------------------------------
class BodyTooLargeError(HTTPException):
    def __init__(self, limit: int) -> None:
        # Close the connection: otherwise the server goes on reading (and dropping) the rest.
        super().__init__(413, TOO_LARGE.format(limit=limit), headers={"Connection": "close"})


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodyLimit:
    """``max_bytes`` per request; ``per_path`` names the few routes that take a file (the
    registry's import) with their own limit."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, per_path: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(str(scope.get("path", "")), self.max_bytes)
        declared = _header(scope, b"content-length")
        if declared and declared.strip().isdigit() and int(declared) > limit:
            await _send_json(send, 413, {"detail": TOO_LARGE.format(limit=limit)})
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLargeError as exc:  # read outside a route (a middleware, a dependency)
            if not started:
                await _send_json(send, 413, {"detail": exc.detail})


# -- origin check -------------------------------------------------------------------------------
def _origin(url: str | None) -> tuple[str, str, int] | None:
    if not url or url == "null":
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme.lower(), parts.hostname.lower(), port or default


def _has_cookie(scope: Scope, name: str) -> bool:
    raw = _header(scope, b"cookie")
    if not raw:
        return False
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return name in raw
    return name in jar


class SameOrigin:
    def __init__(self, app: ASGIApp, *, cookie: str) -> None:
        self.app = app
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        has_cookie = _has_cookie(scope, self.cookie)
        if _header(scope, b"authorization") and not has_cookie:
            await self.app(scope, receive, send)  # an API client: nothing ambient to abuse
            return
        stated, referer = _header(scope, b"origin"), _header(scope, b"referer")
        if stated is None and referer is None:
            if has_cookie:
                await _send_json(send, 403, {"detail": NO_ORIGIN})
                return
        else:
            source = _origin(stated) if stated is not None else _origin(referer)
            own = _origin(f"{scope.get('scheme', 'http')}://{_header(scope, b'host') or ''}")
            if source is None or source != own:
                await _send_json(send, 403, {"detail": FOREIGN_ORIGIN})
                return
        await self.app(scope, receive, send)


# -- security headers ---------------------------------------------------------------------------
_INLINE = re.compile(r"<(script|style)(?:\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page_csp(html: str, *, style_attributes: bool = False) -> str:
    """The policy for a page with inline ``<script>`` / ``<style>`` blocks: those blocks, by
    hash, and nothing else inline. Compute it from the page as served (once, at start-up)."""
    scripts = [_digest(body) for kind, body in _INLINE.findall(html) if kind.lower() == "script"]
    styles = [_digest(body) for kind, body in _INLINE.findall(html) if kind.lower() == "style"]
    parts = [CSP, f"script-src 'self' {' '.join(scripts)}".rstrip()]
    parts.append(f"style-src 'self' {' '.join(styles)}".rstrip())
    if style_attributes:
        # Inline style *attributes* (bar widths set by script); they cannot run code.
        parts.append("style-src-attr 'unsafe-inline'")
    return "; ".join(parts)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {bytes(k).lower() for k, _ in headers}
                extra = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", REFERRER_POLICY.encode()),
                    (b"x-frame-options", b"DENY"),
                ]
                if api:
                    extra.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # Starlette's own 500 would go out without these headers: answer first, then let
            # the error go on to be logged.
            if not started:
                await _send_json(with_headers, 500, {"detail": INTERNAL_ERROR})
            raise


# -- errors that never echo input ---------------------------------------------------------------
_WHERE = ("body", "query", "path", "header", "cookie")
_MAX_FIELD = 100


def _field(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "an unknown field"  # its name is the caller's input: not repeated
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in _WHERE:
        loc = loc[1:] or loc
    field = ".".join(loc) or "the request"
    return field if len(field) <= _MAX_FIELD else field[:_MAX_FIELD] + "…"


_LIMITS = ("max_length", "min_length", "ge", "gt", "le", "lt")


def _problem(error: dict[str, Any]) -> str:
    """What is wrong, in the catalogue's words (the page shows them in its language)."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:  # the project's own validators say it
        return str(ctx["error"])
    words = PROBLEMS.get(kind, NOT_VALID)
    limit = next(
        (ctx[k] for k in ("max_length", "min_length", "ge", "gt", "le", "lt") if k in ctx), ""
    )
    return words.format(n=limit)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each field and what is wrong with it, never what was sent."""
    assert isinstance(exc, RequestValidationError)
    problems = [{"field": _field(e), "problem": _problem(e)} for e in exc.errors()[:10]]
    detail = "; ".join(f"{p['field']}: {p['problem']}" for p in problems) or "not valid"
    return JSONResponse({"detail": detail, "errors": problems}, status_code=422)


def install(
    app: FastAPI,
    *,
    max_body_bytes: int,
    cookie: str,
    body_limits: Mapping[str, int] | None = None,
) -> None:
    """Put the guards on ``app``: headers outermost (so every answer has them, refusals
    included), then the body limit (``body_limits``: path -> its own), then the origin
    check."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(SameOrigin, cookie=cookie)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, per_path=body_limits)
    app.add_middleware(SecurityHeaders)
