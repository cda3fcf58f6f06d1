"""Fixtures for the camera tests."""

from __future__ import annotations

import pytest

from tests.camera.helpers import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
