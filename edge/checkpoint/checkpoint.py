"""The entrance checkpoint, put together: lanes, devices, records and policy.

:class:`Checkpoint` owns the parts and offers the web app their reads and actions
(:class:`edge.checkpoint.service.CheckpointService`); each method is a one-line hand-off.
:meth:`Checkpoint.handle` is the single door for device events (the transports' ``Emit``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from edge.checkpoint.devices import DeviceBoard
from edge.checkpoint.lanes import Lanes
from edge.checkpoint.people import PeopleDesk
from edge.checkpoint.policy_store import PolicyStore
from edge.checkpoint.records import ScreeningRecords
from edge.checkpoint.service import DeviceView, LaneView, ScreeningView
from edge.checkpoint.settings import CheckpointSettings, DeviceSpec
from edge.core.bus import Bus
from edge.core.events import Outcome, StorageStatus
from edge.core.storage_health import StorageHealth
from edge.core.store import Store
from edge.rules.policy import Policy
from edge.verify.base import VerifierChain
from firmware_interfaces.events import DeviceEvent

log = logging.getLogger(__name__)

_CHORES_S = 10.0


class Checkpoint:
    def __init__(
        self,
        settings: CheckpointSettings,
        devices: Sequence[DeviceSpec],
        policy: Policy,
        store: Store,
        verifier: VerifierChain,
        bus: Bus,
        *,
        retention_days: int = 14,
        clock: Callable[[], float] = time.time,
        people: PeopleDesk | None = None,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._store = store
        self._counts_loaded = False
        self._retention_s = retention_days * 86400
        self.records = ScreeningRecords(store, bus, clock)
        self.device_board = DeviceBoard(devices, store, bus, clock)
        self.policy_store = PolicyStore(settings.policy_file, policy, bus, clock)
        self.lane_desk = Lanes(
            settings.lanes,
            devices=self.device_board,
            policy=self.policy_store,
            records=self.records,
            verifier=verifier,
            bus=bus,
            clock=clock,
            people=people,
        )

    async def start(self) -> None:
        """Load what the page needs from memory (today's counts) once the store is open."""
        self._counts_loaded = await self.records.load_counts()

    # -- the storage ----------------------------------------------------------------------------
    def storage_status(self) -> StorageStatus:
        h = self._store.health
        problem = h.problem.value if h.problem else None
        unrecorded = self.records.unrecorded
        return StorageStatus(h.ok, problem, h.what, h.advice, h.path, unrecorded, self._clock())

    def storage_changed(self, health: StorageHealth) -> None:
        """The store's health changed (call on the loop): tell the page; catch up when good."""
        self._bus.publish(self.storage_status())
        if health.ok:
            asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        if not self._counts_loaded:
            self._counts_loaded = await self.records.load_counts()
        if await self.records.retry_unrecorded():
            self._bus.publish(self.storage_status())

    # -- CheckpointService -------------------------------------------------------------------
    @property
    def bus(self) -> Bus:
        return self._bus

    @property
    def current_policy(self) -> Policy:
        return self.policy_store.current

    @property
    def decisions(self) -> int:
        return self.records.recorded

    def lanes(self) -> list[LaneView]:
        return self.lane_desk.views()

    async def list_screenings(
        self, *, lane: str | None = None, limit: int = 50, before_id: int | None = None
    ) -> list[ScreeningView]:
        return await self.records.latest(lane=lane, limit=limit, before_id=before_id)

    async def get_screening(self, screening_id: int) -> ScreeningView:
        return await self.records.get(screening_id)

    async def override(
        self, screening_id: int, *, user: str, outcome: Outcome, reason: str
    ) -> ScreeningView:
        return await self.records.override(screening_id, user=user, outcome=outcome, reason=reason)

    async def overrides(self, screening_id: int | None = None) -> list[dict[str, Any]]:
        return await self.records.overrides(screening_id)

    def devices(self) -> list[DeviceView]:
        return self.device_board.views()

    def policy(self) -> dict[str, Any]:
        return self.policy_store.describe()

    async def reload_policy(self) -> dict[str, Any]:
        return self.policy_store.reload()

    def apply_policy(self, data: dict[str, Any], source: str = "central") -> None:
        """Apply a policy given as data (a central push); raises ``ValidationError``."""
        self.policy_store.apply(data, source)

    # -- device events -----------------------------------------------------------------------
    def emitter(self, device_id: str) -> Callable[[DeviceEvent], None]:
        """The ``Emit`` callable for one device's transport."""
        return lambda event: self.lane_desk.handle(device_id, event)

    def handle(self, device_id: str, event: DeviceEvent) -> None:
        self.lane_desk.handle(device_id, event)

    def flush_rejected(self) -> None:
        self.device_board.flush_rejected()

    # -- background work ---------------------------------------------------------------------
    async def run(self) -> None:
        """Periodic chores: flush rejected-input counts, purge personal data, record what
        waited for the storage."""
        last_purge = 0.0
        try:
            while True:
                self.device_board.flush_rejected()
                if self.records.unrecorded and self._store.health.ok:
                    await self._catch_up()
                now = self._clock()
                if now - last_purge > 3600 and self._store.health.ok:
                    last_purge = now
                    try:
                        purged = await self.records.purge_personal(now - self._retention_s)
                    except Exception as exc:  # the storage failed meanwhile: next hour
                        log.warning("personal data not purged this time: %s", exc)
                    else:
                        if purged:
                            log.info("purged personal fields of %d old screenings", purged)
                            await self._store.after_purge()
                await asyncio.sleep(_CHORES_S)
        finally:
            self.device_board.flush_rejected()

    async def shutdown(self) -> None:
        """Settle every half-screening still waiting (as incomplete) and record it all."""
        await self.lane_desk.settle_everything()

    async def drain(self) -> None:
        """Wait until every decision taken so far is recorded."""
        await self.lane_desk.drain()
