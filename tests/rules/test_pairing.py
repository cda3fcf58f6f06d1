"""Pairing a scan and a reading into one screening, in either order, with time-outs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.rules.pairing import ORDERS, Incomplete, Input, LanePairing, Paired, State


def test_every_state_handles_every_input() -> None:
    for table in ORDERS.values():
        assert {(s, i) for s in State for i in Input} == set(table)


def test_scan_then_temperature_pairs() -> None:
    lane: LanePairing[str] = LanePairing(10)
    assert lane.scan("A", "verdict-A", now=0) == []
    assert lane.waiting_for == "temperature"
    assert lane.temperature(36.6, now=3) == [Paired("verdict-A", 36.6)]
    assert lane.state is State.IDLE and lane.deadline is None


def test_temperature_then_scan_pairs() -> None:
    lane: LanePairing[str] = LanePairing(10)
    lane.temperature(36.6, now=0)
    assert lane.waiting_for == "code"
    assert lane.scan("A", "vA", now=9.9) == [Paired("vA", 36.6)]


def test_lone_scan_times_out_as_incomplete() -> None:
    lane: LanePairing[str] = LanePairing(10)
    lane.scan("A", "vA", now=0)
    assert lane.deadline == 10
    assert lane.tick(9.99) == []
    assert lane.tick(10) == [Incomplete("vA", None)]
    assert lane.state is State.IDLE


def test_reading_after_the_window_does_not_pair_with_a_stale_scan() -> None:
    lane: LanePairing[str] = LanePairing(10)
    lane.scan("A", "vA", now=0)
    out = lane.temperature(36.6, now=11)
    assert out == [Incomplete("vA", None)]
    assert lane.waiting_for == "code"


def test_a_different_code_makes_the_held_one_incomplete() -> None:
    lane: LanePairing[str] = LanePairing(10)
    lane.scan("A", "vA", now=0)
    assert lane.scan("B", "vB", now=1) == [Incomplete("vA", None)]
    assert lane.temperature(36.5, now=2) == [Paired("vB", 36.5)]


def test_the_same_code_again_is_a_rescan_not_a_new_person() -> None:
    lane: LanePairing[str] = LanePairing(10)
    lane.scan("A", "vA", now=0)
    assert lane.scan("A", "vA", now=5) == []
    assert lane.deadline == 15


def test_a_remeasurement_replaces_the_reading() -> None:
    lane: LanePairing[str] = LanePairing(10)
    lane.temperature(35.0, now=0)
    lane.temperature(36.4, now=1)
    assert lane.superseded_readings == 1
    assert lane.scan("A", "vA", now=2) == [Paired("vA", 36.4)]


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        LanePairing(0)


events = st.lists(
    st.tuples(
        st.sampled_from(["scan", "temp", "tick"]),
        st.floats(0, 30),
        st.sampled_from(["A", "B", "C"]),
    ),
    max_size=40,
)


@pytest.mark.parametrize("order", sorted(ORDERS))
@given(seq=events)
def test_no_half_is_ever_lost(order: str, seq: list[tuple[str, float, str]]) -> None:
    """Every scan and reading ends in exactly one outcome (paired, incomplete or still held),
    counting a re-scan of the held code and a superseded reading as absorbed."""
    lane: LanePairing[int] = LanePairing(10, order)
    now = 0.0
    scans = temps = absorbed = 0
    outcomes: list[Paired[int] | Incomplete[int]] = []
    for n, (kind, dt, key) in enumerate(seq):
        now += dt
        if kind == "scan":
            before = lane.deadline
            held_same = lane.state is State.HAVE_SCAN and lane._scan_key == key
            got = lane.scan(key, n, now)
            if held_same and not got and before is not None and now < before:
                absorbed += 1
            scans += 1
            outcomes += got
        elif kind == "temp":
            temps += 1
            outcomes += lane.temperature(36.5, now)
        else:
            outcomes += lane.tick(now)
    outcomes += lane.tick(now + 1000)
    paired = sum(isinstance(o, Paired) for o in outcomes)
    lone_scans = sum(isinstance(o, Incomplete) and o.scan is not None for o in outcomes)
    lone_temps = sum(isinstance(o, Incomplete) and o.temperature is not None for o in outcomes)
    assert paired + lone_scans + absorbed == scans
    assert paired + lone_temps + lane.superseded_readings == temps


def test_temperature_first_lane_answers_a_lone_scan_at_once() -> None:
    lane: LanePairing[str] = LanePairing(10, "temperature-first")
    assert lane.scan("A", "vA", now=0) == [Incomplete("vA", None)]  # walked off unmeasured
    assert lane.state is State.IDLE
    lane.temperature(36.5, now=1)  # the next resident is measured...
    assert lane.scan("B", "vB", now=2) == [Paired("vB", 36.5)]  # ...and pairs with their own code


def test_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown pairing order"):
        LanePairing(10, "sideways")
