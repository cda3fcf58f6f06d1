"""The storeroom's open alerts, and where each change of one goes.

:class:`Alerting` holds the :class:`~edge.storeroom.alerts.AlertBook` (the life-cycle table)
and sends every change that the table says to make to three places: the store (the source of
truth, which the uplink reads), the bus (the page, the uplink's prompt) and, when the storeroom
has an MQTT link, the local alert topic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from edge.core.bus import Bus
from edge.core.events import AlertChanged
from edge.storeroom import records
from edge.storeroom.alerts import Alert, AlertBook, AlertKind, Trigger

log = logging.getLogger(__name__)

STOCK_KINDS = (AlertKind.OUT, AlertKind.CRITICAL, AlertKind.LOW)  # most severe first


class Alerting:
    def __init__(self, write: Callable[[records.Write], None], bus: Bus) -> None:
        self._write = write
        self._bus = bus
        self.book = AlertBook()
        #: set by the MQTT link while it runs; must not block
        self.notify: Callable[[Alert], None] | None = None

    def restore(self, open_alerts: list[Alert], episodes: dict[str, int]) -> None:
        self.book = AlertBook(open_alerts, episodes)

    def apply(
        self,
        kind: AlertKind,
        subject: str,
        trigger: Trigger | None,
        now: float,
        message: str = "",
        user: str | None = None,
    ) -> Alert | None:
        """Feed ``trigger`` (``None``: the condition says nothing) to the table."""
        if trigger is None:
            return None
        change = self.book.apply(kind, subject, trigger, now, message=message, user=user)
        if change is None:
            return None
        a = change.alert
        log.info("storeroom alert %s %s: %s", a.alert_id, a.state, a.message)
        self._write(records.save_alert(a))
        self._bus.publish(
            # Plain strings on the bus: its readers (uplink, page) need not know our enums.
            AlertChanged(
                a.alert_id,
                str(a.kind),
                a.subject,
                a.severity,
                str(a.state),
                a.message,
                a.updated_at,
            )
        )
        if self.notify is not None:
            self.notify(a)
        return a

    def renotify(self, now: float, interval: float) -> None:
        for alert in self.book.due_for_renotify(now, interval):
            self.apply(alert.kind, alert.subject, Trigger.RENOTIFY, now, alert.message)

    def get(self, kind: AlertKind, subject: str) -> Alert | None:
        return self.book.get(kind, subject)

    def by_id(self, alert_id: str) -> Alert | None:
        return self.book.by_id(alert_id)

    def open_alerts(self) -> list[Alert]:
        """Newest first."""
        return sorted(self.book.open_alerts(), key=lambda a: a.opened_at, reverse=True)

    def worst_stock_alert(self, item: str) -> AlertKind | None:
        return next((k for k in STOCK_KINDS if self.book.get(k, item) is not None), None)
