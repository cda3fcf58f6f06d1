"""The gateway's local web app for checkpoint staff: the page, its REST API and live events.

Build it with :func:`create_app` and run it with :class:`WebServer`; other routers take
:func:`require_user` / :func:`require_supervisor` as their auth dependencies.
"""

from edge.auth.passwords import hash_password, verify_password
from edge.web.app import WebServer, close_live_streams, create_app
from edge.web.auth import require_supervisor, require_user
from edge.web.errors import WebConfigError, WebError
from edge.web.settings import WebSettings
from edge.web.users import User

__all__ = [
    "User",
    "WebConfigError",
    "WebError",
    "WebServer",
    "WebSettings",
    "close_live_streams",
    "create_app",
    "hash_password",
    "require_supervisor",
    "require_user",
    "verify_password",
]
