"""Logins for the monitor's tests: a users file, settings that name it, and a viewer's
credentials (the dashboard and its API need a login)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cloud_sync.monitor.settings import MonitorSettings
from edge.auth.passwords import hash_password

VIEWER, VIEWER_PASSWORD = "viewer", "viewer-pass-1"
ADMIN, ADMIN_PASSWORD = "admin", "admin-pass-1"


def users_file(folder: Path) -> Path:
    """A viewer and an admin; cheap hashes (the format and the check are the real ones)."""
    path = folder / "monitor-users.toml"
    path.write_text(
        "".join(
            f'[[users]]\nusername = "{name}"\nrole = "{name}"\n'
            f'password_hash = "{hash_password(password, n=2**8)}"\n'
            for name, password in ((VIEWER, VIEWER_PASSWORD), (ADMIN, ADMIN_PASSWORD))
        )
    )
    return path


def settings_with_users(folder: Path, **values: Any) -> MonitorSettings:
    return MonitorSettings(users_file=users_file(folder), **values)


def as_viewer() -> dict[str, str]:
    """HTTP Basic headers of the viewer, for API reads."""
    token = base64.b64encode(f"{VIEWER}:{VIEWER_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
