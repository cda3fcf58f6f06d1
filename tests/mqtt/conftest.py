"""Fixtures for the MQTT transport tests."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def topic() -> str:
    """A topic of this test's own."""
    return f"test/{uuid.uuid4().hex[:12]}"
