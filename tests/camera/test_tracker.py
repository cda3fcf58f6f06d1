"""Reporting each code once while it stays in view."""

from __future__ import annotations

import pytest

from firmware_interfaces.camera.tracker import TRANSITIONS, CodeTracker, Presence, Sighting


def test_a_code_is_reported_when_it_appears_and_not_while_it_stays() -> None:
    tracker = CodeTracker(forget_after=3)
    assert tracker.feed(0, {"A"}) == ["A"]
    assert tracker.feed(1, {"A"}) == []
    assert tracker.feed(2, {"A", "B"}) == ["B"]
    assert tracker.in_view() == {"A", "B"}


def test_short_dropouts_do_not_make_a_second_scan() -> None:
    tracker = CodeTracker(forget_after=3)
    assert tracker.feed(0, ["A"]) == ["A"]
    # Missed in frames 1-2 (blur, a hand): fewer than 3 frames without it.
    for frame in (1, 2):
        assert tracker.feed(frame, []) == []
    assert tracker.feed(3, ["A"]) == []


def test_a_code_absent_long_enough_is_reported_again() -> None:
    tracker = CodeTracker(forget_after=3)
    assert tracker.feed(0, ["A"]) == ["A"]
    assert tracker.feed(4, ["A"]) == ["A"]  # absent in the 3 frames 1-3
    assert tracker.in_view() == {"A"}


def test_expiry_needs_no_empty_frames() -> None:
    # With times in seconds, frames without codes need not be fed at all.
    tracker = CodeTracker(forget_after=2.0)
    assert tracker.feed(10.0, ["A"]) == ["A"]
    assert tracker.feed(12.0, ["A"]) == []
    assert tracker.feed(14.5, ["B"]) == ["B"]
    assert tracker.in_view() == {"B"}


def test_order_is_kept_and_duplicates_are_collapsed() -> None:
    tracker = CodeTracker(forget_after=1)
    assert tracker.feed(0, ["C", "A", "C", "B"]) == ["C", "A", "B"]


def test_a_clock_stepping_back_never_duplicates() -> None:
    tracker = CodeTracker(forget_after=1.0)
    assert tracker.feed(100.0, ["A"]) == ["A"]
    assert tracker.feed(5.0, ["A"]) == []


def test_zero_forget_after_reports_after_any_gap() -> None:
    tracker = CodeTracker(forget_after=0)
    assert tracker.feed(0, ["A"]) == ["A"]
    assert tracker.feed(0, ["A"]) == []
    assert tracker.feed(1, ["A"]) == ["A"]


def test_negative_forget_after_is_refused() -> None:
    with pytest.raises(ValueError, match="forget_after"):
        CodeTracker(forget_after=-1)


def test_the_table_reports_only_on_coming_into_view() -> None:
    reports = {key for key, (_state, report) in TRANSITIONS.items() if report}
    assert reports == {(Presence.OUT_OF_VIEW, Sighting.SEEN)}
