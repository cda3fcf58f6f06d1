"""The alert life-cycle table and the book of episodes."""

from __future__ import annotations

import itertools

from edge.storeroom.alerts import (
    TRANSITIONS,
    AlertBook,
    AlertKind,
    AlertState,
    Effect,
    Trigger,
    threshold_trigger,
)


def test_table_is_total() -> None:
    for state, trigger in itertools.product([None, *AlertState], Trigger):
        if state is AlertState.RESOLVED:
            continue  # resolved episodes leave the book; a new RAISE starts a new one
        assert (state, trigger) in TRANSITIONS


def test_episode_life() -> None:
    book = AlertBook()
    opened = book.apply(AlertKind.LOW, "masks", Trigger.RAISE, 100.0, message="low")
    assert opened is not None and opened.effect is Effect.NOTIFY
    assert opened.alert.alert_id == "low:masks:1"
    assert book.apply(AlertKind.LOW, "masks", Trigger.RAISE, 101.0) is None  # opens once
    assert book.due_for_renotify(150.0, 60.0) == []
    due = book.due_for_renotify(160.0, 60.0)
    assert [a.alert_id for a in due] == ["low:masks:1"]
    again = book.apply(AlertKind.LOW, "masks", Trigger.RENOTIFY, 160.0)
    assert again is not None and again.effect is Effect.NOTIFY
    assert again.alert.notify_count == 2 and again.alert.rev == 2
    acked = book.apply(AlertKind.LOW, "masks", Trigger.ACK, 170.0, user="ana")
    assert acked is not None and acked.alert.state is AlertState.ACKNOWLEDGED
    assert acked.alert.acknowledged_by == "ana" and acked.effect is Effect.UPDATE
    assert book.due_for_renotify(10_000.0, 60.0) == []  # acknowledged: no reminders
    done = book.apply(AlertKind.LOW, "masks", Trigger.CLEAR, 200.0)
    assert done is not None and done.alert.state is AlertState.RESOLVED
    assert done.alert.alert_id == "low:masks:1" and done.alert.resolved_at == 200.0
    assert book.open_alerts() == []
    reopened = book.apply(AlertKind.LOW, "masks", Trigger.RAISE, 300.0)
    assert reopened is not None and reopened.alert.alert_id == "low:masks:2"


def test_episode_numbers_continue_after_restart() -> None:
    book = AlertBook(episodes={"out:gloves:": 0, "out:gloves": 3})
    change = book.apply(AlertKind.OUT, "gloves", Trigger.RAISE, 1.0)
    assert change is not None and change.alert.alert_id == "out:gloves:4"


def test_threshold_hysteresis() -> None:
    # raise at <= 10, clear only above 12, nothing in between
    assert threshold_trigger(10, 10, 12) is Trigger.RAISE
    assert threshold_trigger(11, 10, 12) is None
    assert threshold_trigger(12.5, 10, 12) is Trigger.CLEAR
    assert threshold_trigger(31, 30, 28, below=False) is Trigger.RAISE
    assert threshold_trigger(29, 30, 28, below=False) is None
    assert threshold_trigger(27, 30, 28, below=False) is Trigger.CLEAR
