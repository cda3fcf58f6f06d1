"""Parts of the gateway that may fail without stopping the gate.

The lanes, their devices and the page are the gateway; the uplink and the storeroom are parts
that may fail (a full disk under the outbox, a broker that misbehaves, a bug). A failing part is
logged, shown on ``/healthz`` and the page, and restarted with capped, jittered backoff; it never
ends the process, so screening goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from firmware_interfaces.transports.backoff import Backoff

log = logging.getLogger(__name__)

#: A part that ran this long since its last start is healthy again: backoff starts over.
_STABLE_S = 60.0


@dataclass
class PartStatus:
    name: str
    state: str = "starting"  # "running", "restarting"
    failures: int = 0
    last_error: str = ""
    since: float = 0.0


class Supervisor:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.parts: dict[str, PartStatus] = {}

    def status(self) -> dict[str, dict[str, Any]]:
        return {
            p.name: {"state": p.state, "failures": p.failures, "last_error": p.last_error}
            for p in self.parts.values()
        }

    @property
    def healthy(self) -> bool:
        return all(p.state == "running" for p in self.parts.values())

    async def run(
        self,
        name: str,
        start: Callable[[], Coroutine[Any, Any, None]],
        *,
        backoff: Backoff | None = None,
    ) -> None:
        """Run ``start()`` until cancelled, restarting it whenever it fails or returns."""
        status = self.parts.setdefault(name, PartStatus(name))
        delays = backoff or Backoff(1.0, 60.0)
        while True:
            started = time.monotonic()
            status.state, status.since = "running", self._clock()
            try:
                await start()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                status.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("%s failed; screening goes on, %s restarts", name, name)
            else:
                status.last_error = "stopped by itself"
                log.error("%s stopped by itself; it restarts", name)
            status.failures += 1
            if time.monotonic() - started >= _STABLE_S:
                delays.reset()
            status.state, status.since = "restarting", self._clock()
            await asyncio.sleep(delays.next_delay())
