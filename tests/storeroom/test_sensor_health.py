"""The sensor-health table, exhaustively: every (health, signal), every path back from a fault."""

from __future__ import annotations

import itertools

import pytest

from edge.storeroom import messages
from edge.storeroom.alerts import Trigger
from edge.storeroom.sensor_health import (
    GOOD_READINGS_TO_RECOVER,
    SHOWN,
    TRANSITIONS,
    Action,
    Health,
    SensorHealth,
    Signal,
)

FAULTY = {Health.FAULT, Health.FAULT_ONE_GOOD, Health.FAULT_TWO_GOOD}


def test_table_is_total_and_closed() -> None:
    assert set(TRANSITIONS) == set(itertools.product(Health, Signal))
    assert {after for after, _ in TRANSITIONS.values()} <= set(Health)
    assert set(SHOWN) == set(Health)
    assert set(SHOWN.values()) <= set(messages.SENSOR_STATES)


@pytest.mark.parametrize(("health", "signal"), list(itertools.product(Health, Signal)))
def test_every_transition_keeps_the_rules(health: Health, signal: Signal) -> None:
    after, action = TRANSITIONS[health, signal]
    # Bad input or silence always ends in a plain fault; nothing else starts the count again.
    if signal is not Signal.GOOD:
        assert after is Health.FAULT
        # Announced only when the sensor was not faulty yet: one fault, not a storm.
        assert action is (Action.NEW_REASON if health in FAULTY else Action.FAULT)
    # A good reading never makes a working sensor faulty, and never skips a step back.
    else:
        assert after is not Health.FAULT
        if health in FAULTY:
            assert action in (Action.NONE, Action.RECOVERED)
    # The shown state changes exactly when the action announces something.
    announces = action in (Action.FAULT, Action.FIRST_READING, Action.RECOVERED)
    assert (SHOWN[health] != SHOWN[after]) == announces


@pytest.mark.parametrize(("health", "signal"), list(itertools.product(Health, Signal)))
def test_apply_does_what_the_table_says(health: Health, signal: Signal) -> None:
    sensor = SensorHealth("s1", "shelf", "mqtt", since=0.0, health=health)
    assert (sensor.apply(signal, 1.0, "why"), sensor.health) == TRANSITIONS[health, signal][::-1]


@pytest.mark.parametrize("start", [Health.FAULT, Health.FAULT_ONE_GOOD, Health.FAULT_TWO_GOOD])
def test_back_from_any_fault_takes_the_same_good_readings(start: Health) -> None:
    sensor = SensorHealth("s1", "shelf", "mqtt", since=0.0, health=start)
    sensor.apply(Signal.BAD, 1.0, "not JSON")  # whatever the streak was, it starts over
    actions = [sensor.apply(Signal.GOOD, 2.0 + n) for n in range(GOOD_READINGS_TO_RECOVER)]
    assert actions == [Action.NONE] * (GOOD_READINGS_TO_RECOVER - 1) + [Action.RECOVERED]
    assert (sensor.state, sensor.reason) == ("ok", messages.READING)


def test_a_fault_keeps_its_start_and_shows_the_latest_reason() -> None:
    sensor = SensorHealth("s1", "shelf", "modbus", since=0.0)
    assert (sensor.state, sensor.reason) == ("starting", messages.NO_READING_YET)
    assert sensor.apply(Signal.GOOD, 1.0) is Action.FIRST_READING
    assert sensor.apply(Signal.BAD, 5.0, "not a number") is Action.FAULT
    assert sensor.apply(Signal.GOOD, 6.0) is Action.NONE
    assert sensor.apply(Signal.SILENT, 7.0, "stale") is Action.NEW_REASON
    assert (sensor.state, sensor.reason, sensor.since) == ("fault", "stale", 5.0)
    assert sensor.faulty


def test_fault_alert_after_the_delays() -> None:
    sensor = SensorHealth("s1", "shelf", "modbus", since=0.0)
    assert sensor.fault_alert(1000.0, 30, 30) is None  # starting: neither
    sensor.apply(Signal.BAD, 100.0, "silent")
    assert sensor.fault_alert(129.0, 30, 30) is None
    assert sensor.fault_alert(130.0, 30, 30) is Trigger.RAISE
    for n in range(GOOD_READINGS_TO_RECOVER):
        sensor.apply(Signal.GOOD, 140.0 + n)
    assert sensor.fault_alert(150.0, 30, 30) is None  # reading, but not for long yet
    assert sensor.fault_alert(172.0, 30, 30) is Trigger.CLEAR
