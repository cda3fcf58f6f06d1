"""Where the browser tests put their screenshots: docs/screenshots/ (shown in the README) when
UPDATE_SCREENSHOTS=1, else a folder under the system's temporary one, so that running the
tests does not change the repository.

    UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/web tests/storeroom tests/monitor -m browser
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def folder() -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        return DOCS
    found = Path(tempfile.gettempdir()) / "ccg-screenshots"
    found.mkdir(exist_ok=True)
    return found


def shot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save ``page`` as ``name`` (a .png file name) and return where it went."""
    path = folder() / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
