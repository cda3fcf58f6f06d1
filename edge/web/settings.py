"""Settings of the local web app (the ``[web]`` section of the gateway's configuration)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from edge.i18n.negotiate import AUTO


class WebSettings(BaseModel):
    """Where to serve the staff page, who may log in, and the key their sessions are kept by.

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
    # Throttling: failed logins per account per lockout_s, after which the account refuses
    # clients that have never logged in as it (its own tablets still get in) ...
    login_attempts: int = Field(5, ge=1)
    lockout_s: float = Field(60.0, gt=0)
    # ... and attempts per client (any user names) per client_lockout_s.
    client_login_attempts: int = Field(10, ge=1)
    client_lockout_s: float = Field(300.0, gt=0)
    max_body_bytes: int = Field(64 * 1024, ge=1024)  # larger request bodies are refused (413)
    # /metrics: open to anyone who can reach the page, or (default) behind a login or the
    # scrape token in metrics_token_file, sent by Prometheus as a bearer token.
    metrics_public: bool = False
    metrics_token_file: Path | None = None
    # The pages' language: "auto" follows each browser (and the page's language menu); a tag
    # ("zh-CN", "en") pins it for every reader. Chinese when the browser asks for none there is.
    language: str = Field(AUTO, pattern=r"^(auto|[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")
