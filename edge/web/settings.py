"""Settings of the local web app (the ``[web]`` section of the gateway's configuration)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class WebSettings(BaseModel):
    """Where to serve the staff page, who may log in, and the key that signs their sessions.

    ``users_file`` and the session secret have no working default on purpose: a gateway without
    them refuses to start (:class:`edge.web.errors.WebConfigError` names the missing key).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "0.0.0.0"  # noqa: S104 - the page is for tablets on the checkpoint's LAN
    port: int = Field(8080, ge=0, le=65535)  # 0: any free port (tests)
    users_file: Path | None = None  # TOML or JSON: [[users]] username, role, password_hash
    session_secret_file: Path | None = None  # at least 16 bytes of secret
    session_secret_env: str | None = None  # or the name of an environment variable holding it
    session_max_age_s: float = Field(12 * 3600, gt=0)
    cookie_secure: bool = False  # True when served behind HTTPS
    heartbeat_s: float = Field(15.0, gt=0)
    snapshot_screenings: int = Field(20, ge=1, le=500)
    login_attempts: int = Field(5, ge=1)  # failed logins per user per lockout_s before 429
    lockout_s: float = Field(60.0, ge=0)
