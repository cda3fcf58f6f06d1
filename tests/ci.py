"""A test that cannot run for want of something (Chromium, PostgreSQL, the conformance data)
skips on a developer's machine, saying what is missing, but fails under ``CI=true``: a skip
has not passed, and in CI it would hide a broken set-up. ``tests/conftest.py`` also fails a CI
session in which anything skipped, whatever the reason."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str) -> NoReturn:
    """Skip this test because ``what`` (in words: what and where) is missing; fail under CI."""
    if IN_CI:
        pytest.fail(f"{what} (with CI=true this fails instead of skipping)", pytrace=False)
    pytest.skip(what)
