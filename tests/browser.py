"""Headless Chromium for the browser tests: Debian's ``chromium``, driven by Playwright.

Playwright's own browser download is not used (it cannot be fetched here); ``scripts/test``
installs Debian's package. Without it, browser tests skip and say so, except under CI=true,
where they fail (see tests/ci.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.ci import IN_CI, missing

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")

#: As root, without a sandbox; no background networking, whose connections this machine's
#: closed network refuses by the dozen.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

NO_CHROMIUM = f"no Chromium at {CHROMIUM}; scripts/test installs Debian's chromium package"

#: For a test that needs Chromium before it launches one; under CI the test runs and fails.
requires_chromium = pytest.mark.skipif(not CHROMIUM.exists() and not IN_CI, reason=NO_CHROMIUM)


def need_chromium() -> None:
    """Skip the calling test when there is no Chromium (fail it under CI=true)."""
    if not CHROMIUM.exists():
        missing(NO_CHROMIUM)


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a started ``sync_playwright()``."""
    need_chromium()
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
