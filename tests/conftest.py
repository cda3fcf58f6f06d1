"""Fixtures every test area may use (a real Mosquitto on a free port), and the rule that a run
with CI=true in which any test skipped fails (tests/ci.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.brokers import Mosquitto
from tests.ci import NoSkipsInCi


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(NoSkipsInCi(), "no-skips-in-ci")


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """An anonymous Mosquitto of this test's own, on a free port."""
    broker = Mosquitto(tmp_path / "mosquitto").start()
    yield broker
    broker.stop()


@pytest.fixture
def mosquitto_factory(tmp_path: Path) -> Iterator[Callable[..., Mosquitto]]:
    """Make more brokers (TLS, ACL, ...): ``mosquitto_factory(name, **Mosquitto kwargs)``."""
    brokers: list[Mosquitto] = []

    def make(name: str = "broker", **kwargs: Any) -> Mosquitto:
        broker = Mosquitto(tmp_path / name, **kwargs)
        brokers.append(broker)
        return broker

    yield make
    for broker in brokers:
        broker.stop()
