"""Who may use the web pages, shared by the gateway (:mod:`edge.web`) and the centre
(:mod:`cloud_sync.monitor`): password hashes, users files, server-side sessions, login
throttling, and the guards every response of both passes through (body limits, origin
checks, security headers, errors that never echo input).

- :mod:`edge.auth.passwords`: scrypt hashes.
- :mod:`edge.auth.accounts`: a users file (TOML or JSON) with a role set per application.
- :mod:`edge.auth.throttle`: login throttling per client and per account, bounded.
- :mod:`edge.auth.sessions`: server-side sessions that end at once when asked.
- :mod:`edge.auth.persistence`: sessions and changed passwords in an :mod:`edge.core` store.
- :mod:`edge.auth.service`: the :class:`~edge.auth.service.Authenticator` that ties them.
- :mod:`edge.auth.web`: FastAPI dependencies and the login routes.
- :mod:`edge.auth.guards`: ASGI middleware and error handlers.

This package depends on :mod:`edge.core` and nothing else of the project, so both the
gateway and the central monitor can stand on it without depending on each other.
"""
