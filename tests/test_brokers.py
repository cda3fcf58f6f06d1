"""The test broker itself: it starts, serves and stops."""

from __future__ import annotations

import socket

from tests.brokers import Mosquitto


def test_mosquitto_starts_and_stops(mosquitto: Mosquitto) -> None:
    assert mosquitto.running
    with socket.create_connection((mosquitto.host, mosquitto.port), 2):
        pass
    mosquitto.stop()
    assert not mosquitto.running
    mosquitto.start()
    assert mosquitto.running
