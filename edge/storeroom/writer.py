"""Store writes from the storeroom's hot path: queued without waiting, failures counted.

A reading must never wait for the disk, so the writes it causes (a count, an alert, a trend
sample) go to the store's single writer thread and the reading moves on. A write that fails is
counted (:attr:`BackgroundWriter.errors`), never raised into a device's transport, and logged
once per run of failures: a full card must not also fill the log, one line per shelf.
"""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any

from edge.core.store import Store
from edge.storeroom.records import Write

log = logging.getLogger(__name__)


class BackgroundWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.errors = 0
        self._failing = False

    def __call__(self, fn: Write) -> None:
        try:
            future = self.store.submit(fn)
        except Exception as exc:  # the store is closed
            self._failed(exc)
            return
        future.add_done_callback(self._done)

    def _done(self, future: concurrent.futures.Future[Any]) -> None:
        # On the store's writer thread: only counters and the log, nothing of the loop's.
        exc = future.exception()
        if exc is not None:
            self._failed(exc)
        elif self._failing:
            self._failing = False
            log.warning("storeroom: store writes work again (%d failed)", self.errors)

    def _failed(self, exc: BaseException) -> None:
        self.errors += 1
        if not self._failing:
            self._failing = True
            log.error("storeroom: store write failed (more are counted, not logged): %s", exc)

    async def flushed(self) -> None:
        """Return once every write queued so far is committed (a read after this sees them)."""
        await self.store.write(lambda db: None)
