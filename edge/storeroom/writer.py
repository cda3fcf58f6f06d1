"""Store writes from the storeroom's hot path: queued without waiting, failures counted.

A reading must never wait for the disk, so the writes it causes (a count, an alert, a trend
sample) go to the store's single writer thread and the reading moves on. A write that fails is
logged and counted (:attr:`BackgroundWriter.errors`), never raised into a device's transport.
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

    def __call__(self, fn: Write) -> None:
        try:
            future = self.store.submit(fn)
        except Exception:
            self.errors += 1
            log.exception("storeroom: cannot queue a store write")
            return
        future.add_done_callback(self._done)

    def _done(self, future: concurrent.futures.Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            self.errors += 1
            log.error("storeroom: store write failed: %s", exc)

    async def flushed(self) -> None:
        """Return once every write queued so far is committed (a read after this sees them)."""
        await self.store.write(lambda db: None)
