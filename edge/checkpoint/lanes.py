"""The lanes: device events in, screenings decided.

Runs on one event loop. A scan is verified, paired with a temperature (or times out into a
visible incomplete), decided by the admission policy, and handed to the records, which announce
it at once and record it in a task of its own: nothing here waits for the disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from edge.checkpoint import queries as q
from edge.checkpoint.devices import DeviceBoard, DeviceRecord
from edge.checkpoint.people import NobodyKnown, PeopleDesk
from edge.checkpoint.policy_store import PolicyStore
from edge.checkpoint.records import ScreeningRecords
from edge.checkpoint.service import InvalidRequestError, LaneView
from edge.checkpoint.settings import LaneSettings
from edge.core.bus import Bus
from edge.core.events import ScreeningPending
from edge.rules.household import Direction, ManualEntry
from edge.rules.pairing import Incomplete, LanePairing, Paired
from edge.rules.policy import UNREADABLE_STEPS, Inputs, decide
from edge.verify.base import Verdict, VerifierChain
from firmware_interfaces.events import (
    CodeScanned,
    DeviceEvent,
    DeviceStateChanged,
    FrameRejected,
    TemperatureReading,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scan:
    """What a lane holds for a scanned code while it waits for a temperature."""

    verdict: Verdict
    raw: str


@dataclass
class Lane:
    id: str
    name: str
    pairing: LanePairing[Scan]
    direction: Direction = "both"
    timer: asyncio.TimerHandle | None = None


class Lanes:
    def __init__(
        self,
        lanes: Sequence[LaneSettings],
        *,
        devices: DeviceBoard,
        policy: PolicyStore,
        records: ScreeningRecords,
        verifier: VerifierChain,
        bus: Bus,
        clock: Callable[[], float],
        people: PeopleDesk | None = None,
    ) -> None:
        self._lanes = {
            lane.id: Lane(
                lane.id,
                lane.name or lane.id,
                LanePairing(lane.pairing_window_s, lane.order),
                lane.direction,
            )
            for lane in lanes
        }
        self.people: PeopleDesk = people if people is not None else NobodyKnown()
        self._devices = devices
        self._policy = policy
        self._records = records
        self._verifier = verifier
        self._bus = bus
        self._clock = clock
        self._pending: set[asyncio.Task[None]] = set()

    def views(self) -> list[LaneView]:
        counts = self._records.counts
        return [
            LaneView(
                lane.id, lane.name, lane.pairing.waiting_for, counts.today(lane.id), lane.direction
            )
            for lane in self._lanes.values()
        ]

    def __len__(self) -> int:
        return len(self._lanes)

    # -- device events -----------------------------------------------------------------------
    def handle(self, device_id: str, event: DeviceEvent) -> None:
        device = self._devices.get(device_id)
        if device is None:
            log.warning("event from unknown device %s dropped: %r", device_id, event)
            return
        now = self._clock()
        match event:
            case CodeScanned():
                self._on_scan(device, event, now)
            case TemperatureReading():
                self._on_temperature(device, event, now)
            case DeviceStateChanged():
                self._devices.state_changed(device, event.state.value, event.reason, now)
            case FrameRejected():
                self._devices.rejected(device, event.reason, event.data, now)
            case _:
                log.debug("event %r from %s is not for the checkpoint", event, device_id)

    def _on_scan(self, device: DeviceRecord, event: CodeScanned, now: float) -> None:
        lane = self._lanes.get(device.spec.lane or "")
        if lane is None:
            return
        verdict = self._verifier.verify(event.text, at=datetime.fromtimestamp(now, UTC))
        if not verdict.valid and verdict.failed_step in UNREADABLE_STEPS:
            # Nobody was screened: tell staff to scan again, keep the lane as it was.
            self._devices.rejected(device, verdict.reason or "unknown code format", b"", now)
            return
        scan = Scan(verdict, event.text)
        if not self._devices.thermometer_up(lane.id):
            self._settle(lane, Incomplete(scan, None), now, thermometer_up=False)
            return
        self._settle_all(lane, lane.pairing.scan(event.text, scan, now), now)

    def _on_temperature(self, device: DeviceRecord, event: TemperatureReading, now: float) -> None:
        lane = self._lanes.get(device.spec.lane or "")
        if lane is None:
            return
        self._settle_all(lane, lane.pairing.temperature(event.celsius, now), now)

    def _settle_all(
        self, lane: Lane, outcomes: list[Paired[Scan] | Incomplete[Scan]], now: float
    ) -> None:
        for outcome in outcomes:
            self._settle(lane, outcome, now)
        self._arm_timer(lane)
        waiting = lane.pairing.waiting_for
        if waiting is not None:
            held_scan = lane.pairing.held_scan
            self._bus.publish(
                ScreeningPending(
                    lane.id,
                    now,
                    waiting,
                    temperature=lane.pairing.held_temperature,
                    code_type=held_scan.verdict.code_type if held_scan else None,
                )
            )

    def _arm_timer(self, lane: Lane) -> None:
        if lane.timer is not None:
            lane.timer.cancel()
            lane.timer = None
        deadline = lane.pairing.deadline
        if deadline is not None:
            delay = max(0.0, deadline - self._clock())
            lane.timer = asyncio.get_running_loop().call_later(delay, self._expire, lane)

    def _expire(self, lane: Lane) -> None:
        lane.timer = None
        now = self._clock()
        for outcome in lane.pairing.tick(now):
            self._settle(lane, outcome, now)
        self._arm_timer(lane)

    def _settle(
        self,
        lane: Lane,
        outcome: Paired[Scan] | Incomplete[Scan],
        now: float,
        *,
        thermometer_up: bool = True,
    ) -> None:
        scan = outcome.scan
        self._decide(
            lane,
            now,
            temperature=outcome.temperature,
            verdict=scan.verdict if scan is not None else None,
            raw=scan.raw if scan is not None else None,
            complete=isinstance(outcome, Paired),
            thermometer_up=thermometer_up,
        )

    def manual(
        self, lane_id: str, entry: ManualEntry, temperature: float | None, subject: str | None
    ) -> q.NewScreening:
        """Decide a manual registration on ``lane_id`` (a person with no code) and record it.

        ``subject``: the registered member's resident id when the person is one (household
        rules apply to them as to a scanned pass). Raises :class:`InvalidRequestError`.
        """
        lane = self._lanes.get(lane_id)
        if lane is None:
            raise InvalidRequestError(f"there is no lane {lane_id!r}")
        return self._decide(
            lane,
            self._clock(),
            temperature=temperature,
            verdict=None,
            raw=None,
            complete=True,
            thermometer_up=self._devices.thermometer_up(lane.id),
            manual=entry,
            subject=subject,
        )

    def _decide(
        self,
        lane: Lane,
        now: float,
        *,
        temperature: float | None,
        verdict: Verdict | None,
        raw: str | None,
        complete: bool,
        thermometer_up: bool,
        manual: ManualEntry | None = None,
        subject: str | None = None,
    ) -> q.NewScreening:
        if verdict is not None:
            subject = verdict.subject
        context = self.people.context(subject, lane.id, lane.direction, now)
        policy = self._policy.current
        decision = decide(
            policy,
            Inputs(
                temperature=temperature,
                verdict=verdict,
                thermometer_up=thermometer_up,
                verifier_up=bool(self._verifier),
                direction=lane.direction,
                household=context,
                manual=manual,
            ),
        )
        record = q.NewScreening(
            key=self._records.new_key(),
            lane=lane.id,
            decided_at=now,
            outcome=decision.outcome.value,
            reason=decision.reason,
            rule=decision.rule,
            policy_version=policy.version,
            temperature=temperature,
            code_type=verdict.code_type if verdict else None,
            code_status=verdict.status.value if verdict and verdict.status else None,
            code_valid=verdict.valid if verdict else None,
            failed_step=verdict.failed_step if verdict else None,
            complete=complete,
            resident_id=subject,
            raw_code=raw,
            on_duty=self.people.on_duty(lane.id),
        )
        task = self._records.decided(record)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        self.people.decided(record, lane.direction, context)
        return record

    # -- shutting down -----------------------------------------------------------------------
    async def settle_everything(self) -> None:
        """Settle every half-screening still waiting (as incomplete) and record it all."""
        now = self._clock()
        for lane in self._lanes.values():
            if lane.timer is not None:
                lane.timer.cancel()
                lane.timer = None
            for outcome in lane.pairing.tick(float("inf")):
                self._settle(lane, outcome, now)
        await self.drain()

    async def drain(self) -> None:
        """Wait until every decision taken so far is recorded."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
