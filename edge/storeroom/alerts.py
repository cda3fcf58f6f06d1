"""Alert life cycle as a table, and the book of open alerts.

An alert is one *episode* of a condition on a subject (LOW on ``masks``, a fault on
``shelf-3``): it opens once, re-notifies every ``renotify_seconds`` while open, can be
acknowledged (which stops the re-notifying), and resolves by itself when the condition clears.
A later recurrence is a new episode with a new ``alert_id``; the id stays the same through one
episode, so the uplink can send it as a key with a revision.

Hysteresis is in the conditions (see :func:`threshold_trigger`): a condition reports RAISE
past its threshold, CLEAR only past a wider one, and nothing in between, so a reading that
hovers at the threshold neither opens nor resolves anything.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass


class AlertKind(enum.StrEnum):
    LOW = "low"
    CRITICAL = "critical"
    OUT = "out"
    CLIMATE = "climate"
    SENSOR_FAULT = "sensor-fault"


SEVERITY = {
    AlertKind.LOW: "warning",
    AlertKind.CRITICAL: "critical",
    AlertKind.OUT: "critical",
    AlertKind.CLIMATE: "warning",
    AlertKind.SENSOR_FAULT: "warning",
}


class AlertState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Trigger(enum.StrEnum):
    RAISE = "raise"  # the condition holds
    CLEAR = "clear"  # the condition is clearly gone
    ACK = "ack"
    RENOTIFY = "renotify"  # the re-notify interval has passed


class Effect(enum.Enum):
    NONE = "none"  # nothing changed
    NOTIFY = "notify"  # tell people (open, or remind)
    UPDATE = "update"  # state changed; record and publish, but no reminder


_NO_ALERT = None
#: (state before, trigger) -> (state after, effect). ``None`` is "no open episode".
TRANSITIONS: dict[tuple[AlertState | None, Trigger], tuple[AlertState | None, Effect]] = {
    (_NO_ALERT, Trigger.RAISE): (AlertState.OPEN, Effect.NOTIFY),
    (_NO_ALERT, Trigger.CLEAR): (_NO_ALERT, Effect.NONE),
    (_NO_ALERT, Trigger.ACK): (_NO_ALERT, Effect.NONE),
    (_NO_ALERT, Trigger.RENOTIFY): (_NO_ALERT, Effect.NONE),
    (AlertState.OPEN, Trigger.RAISE): (AlertState.OPEN, Effect.NONE),
    (AlertState.OPEN, Trigger.RENOTIFY): (AlertState.OPEN, Effect.NOTIFY),
    (AlertState.OPEN, Trigger.ACK): (AlertState.ACKNOWLEDGED, Effect.UPDATE),
    (AlertState.OPEN, Trigger.CLEAR): (AlertState.RESOLVED, Effect.UPDATE),
    (AlertState.ACKNOWLEDGED, Trigger.RAISE): (AlertState.ACKNOWLEDGED, Effect.NONE),
    (AlertState.ACKNOWLEDGED, Trigger.RENOTIFY): (AlertState.ACKNOWLEDGED, Effect.NONE),
    (AlertState.ACKNOWLEDGED, Trigger.ACK): (AlertState.ACKNOWLEDGED, Effect.NONE),
    (AlertState.ACKNOWLEDGED, Trigger.CLEAR): (AlertState.RESOLVED, Effect.UPDATE),
}


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    kind: AlertKind
    subject: str
    severity: str
    state: AlertState
    message: str
    opened_at: float
    updated_at: float
    notified_at: float
    notify_count: int = 1
    rev: int = 1
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    resolved_at: float | None = None


@dataclass(frozen=True, slots=True)
class AlertChange:
    alert: Alert
    effect: Effect  # NOTIFY or UPDATE


def threshold_trigger(
    value: float, raise_at: float, clear_at: float, *, below: bool = True
) -> Trigger | None:
    """RAISE at or past ``raise_at``; CLEAR only past ``clear_at``; in between, nothing.

    ``below=True`` is for "too little" conditions (raise when value <= raise_at, clear when
    value > clear_at); ``below=False`` for "too much" ones.
    """
    if below:
        if value <= raise_at:
            return Trigger.RAISE
        return Trigger.CLEAR if value > clear_at else None
    if value >= raise_at:
        return Trigger.RAISE
    return Trigger.CLEAR if value < clear_at else None


class AlertBook:
    """The open episodes, keyed by (kind, subject). Pure: the caller passes the time."""

    def __init__(
        self, open_alerts: list[Alert] | None = None, episodes: dict[str, int] | None = None
    ) -> None:
        self._open: dict[tuple[AlertKind, str], Alert] = {
            (a.kind, a.subject): a for a in open_alerts or []
        }
        self._episodes = dict(episodes or {})  # "kind:subject" -> episodes so far

    def open_alerts(self) -> list[Alert]:
        return list(self._open.values())

    def get(self, kind: AlertKind, subject: str) -> Alert | None:
        return self._open.get((kind, subject))

    def by_id(self, alert_id: str) -> Alert | None:
        return next((a for a in self._open.values() if a.alert_id == alert_id), None)

    def apply(
        self,
        kind: AlertKind,
        subject: str,
        trigger: Trigger,
        now: float,
        *,
        message: str = "",
        user: str | None = None,
    ) -> AlertChange | None:
        current = self._open.get((kind, subject))
        state, effect = TRANSITIONS[(current.state if current else None, trigger)]
        if effect is Effect.NONE:
            return None
        if current is None:
            name = f"{kind}:{subject}"
            episode = self._episodes.get(name, 0) + 1
            self._episodes[name] = episode
            alert = Alert(
                alert_id=f"{name}:{episode}",
                kind=kind,
                subject=subject,
                severity=SEVERITY[kind],
                state=AlertState.OPEN,
                message=message,
                opened_at=now,
                updated_at=now,
                notified_at=now,
            )
        else:
            assert state is not None
            alert = dataclasses.replace(current, state=state, updated_at=now, rev=current.rev + 1)
            if trigger is Trigger.RENOTIFY:
                alert = dataclasses.replace(
                    alert,
                    notified_at=now,
                    notify_count=current.notify_count + 1,
                    message=message or current.message,
                )
            elif trigger is Trigger.ACK:
                alert = dataclasses.replace(alert, acknowledged_by=user, acknowledged_at=now)
            elif state is AlertState.RESOLVED:
                alert = dataclasses.replace(
                    alert, resolved_at=now, message=message or current.message
                )
        if alert.state is AlertState.RESOLVED:
            del self._open[(kind, subject)]
        else:
            self._open[(kind, subject)] = alert
        return AlertChange(alert, effect)

    def due_for_renotify(self, now: float, interval: float) -> list[Alert]:
        return [
            a
            for a in self._open.values()
            if a.state is AlertState.OPEN and now - a.notified_at >= interval
        ]
