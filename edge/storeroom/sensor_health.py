"""A storeroom sensor's health as a table: starting, reading, faulty, and the way back.

Every shelf and climate sensor is in one :class:`Health`. What happens to it is one of three
:class:`Signal` s: a reading that makes sense, bad input (a rejected frame, a device error, a
weight that cannot be a count), or silence (no reading for too long, seen by the tick).
:data:`TRANSITIONS` maps (health, signal) to the next health and the one :class:`Action` the
caller takes for it (tell people, or not).

A faulty sensor needs three good readings in a row to be reading again, so a cell that
alternates good and bad stays one fault rather than a stream of recoveries; the two
intermediate healths count those readings and are shown as "fault". A fault's first reason is
announced once; later reasons are shown on the page but announced to no one, so a sensor that
alternates between two kinds of garbage does not flood the bus or the disk.

Whether a fault has lasted long enough to be an alert (and a recovery long enough to resolve
it) depends on time alone: :meth:`SensorHealth.fault_alert`.
"""

from __future__ import annotations

import collections
import enum
from dataclasses import dataclass, field

from edge.storeroom import messages
from edge.storeroom.alerts import Trigger


class Health(enum.Enum):
    STARTING = "starting"  # no reading yet since the gateway started
    OK = "ok"
    FAULT = "fault"
    FAULT_ONE_GOOD = "fault, one good reading since"
    FAULT_TWO_GOOD = "fault, two good readings since"


class Signal(enum.Enum):
    GOOD = "good"  # a reading that makes sense
    BAD = "bad"  # rejected input, a device error, a weight that cannot be a count
    SILENT = "silent"  # no reading for longer than the sensor's limit


class Action(enum.Enum):
    NONE = "none"  # nothing to tell
    FIRST_READING = "first reading"  # the sensor reads: say it is connected
    FAULT = "fault"  # a new fault: log it once, record it, publish it
    NEW_REASON = "new reason"  # still the same fault: show the reason, tell no one
    RECOVERED = "recovered"  # reading again: log, record, publish


_H, _S, _A = Health, Signal, Action
#: (health before, signal) -> (health after, action)
TRANSITIONS: dict[tuple[Health, Signal], tuple[Health, Action]] = {
    (_H.STARTING, _S.GOOD): (_H.OK, _A.FIRST_READING),
    (_H.STARTING, _S.BAD): (_H.FAULT, _A.FAULT),
    (_H.STARTING, _S.SILENT): (_H.FAULT, _A.FAULT),
    (_H.OK, _S.GOOD): (_H.OK, _A.NONE),
    (_H.OK, _S.BAD): (_H.FAULT, _A.FAULT),
    (_H.OK, _S.SILENT): (_H.FAULT, _A.FAULT),
    (_H.FAULT, _S.GOOD): (_H.FAULT_ONE_GOOD, _A.NONE),
    (_H.FAULT, _S.BAD): (_H.FAULT, _A.NEW_REASON),
    (_H.FAULT, _S.SILENT): (_H.FAULT, _A.NEW_REASON),
    (_H.FAULT_ONE_GOOD, _S.GOOD): (_H.FAULT_TWO_GOOD, _A.NONE),
    (_H.FAULT_ONE_GOOD, _S.BAD): (_H.FAULT, _A.NEW_REASON),
    (_H.FAULT_ONE_GOOD, _S.SILENT): (_H.FAULT, _A.NEW_REASON),
    (_H.FAULT_TWO_GOOD, _S.GOOD): (_H.OK, _A.RECOVERED),
    (_H.FAULT_TWO_GOOD, _S.BAD): (_H.FAULT, _A.NEW_REASON),
    (_H.FAULT_TWO_GOOD, _S.SILENT): (_H.FAULT, _A.NEW_REASON),
}

#: What the page, the API and the bus are told: the counting healths are still a fault.
SHOWN: dict[Health, str] = {
    _H.STARTING: "starting",
    _H.OK: "ok",
    _H.FAULT: "fault",
    _H.FAULT_ONE_GOOD: "fault",
    _H.FAULT_TWO_GOOD: "fault",
}
GOOD_READINGS_TO_RECOVER = 3  # the length of the FAULT -> OK path above


@dataclass(eq=False, slots=True)
class SensorHealth:
    """One sensor: its health, why, since when, and what it last read."""

    key: str
    kind: str  # "shelf" or "climate"
    source: str  # "modbus" or "mqtt"
    since: float  # when the shown state began
    health: Health = Health.STARTING
    reason: str = messages.NO_READING_YET
    last_at: float | None = None
    value: float | None = None  # kg, or °C
    humidity: float | None = None
    sampled_at: float = float("-inf")  # the last reading kept for the trend
    readings: int = 0
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def state(self) -> str:
        return SHOWN[self.health]

    @property
    def faulty(self) -> bool:
        return self.health not in (Health.OK, Health.STARTING)

    def apply(self, signal: Signal, now: float, reason: str = messages.READING) -> Action:
        """Move along the table; ``reason`` is the bad input's, for BAD and SILENT."""
        if signal is Signal.GOOD and self.health is Health.OK:
            # The table's (OK, GOOD) entry, taken without hashing two enums: this is every
            # reading of a working sensor, thousands a second on a large storeroom.
            return Action.NONE
        health, action = TRANSITIONS[self.health, signal]
        self.health = health
        if action is Action.FAULT:
            self.reason, self.since = reason, now
        elif action is Action.NEW_REASON:
            self.reason = reason
        elif action is not Action.NONE:  # FIRST_READING, RECOVERED
            self.reason, self.since = messages.READING, now
        return action

    def silent_for(self, now: float) -> float:
        """Seconds since the last reading (or since start, if there was none)."""
        return now - (self.last_at if self.last_at is not None else self.since)

    def fault_alert(self, now: float, raise_after: float, clear_after: float) -> Trigger | None:
        """RAISE once faulty for ``raise_after`` s; CLEAR once reading for ``clear_after`` s."""
        if self.faulty:
            return Trigger.RAISE if now - self.since >= raise_after else None
        if self.health is Health.OK and now - self.since >= clear_after:
            return Trigger.CLEAR
        return None
