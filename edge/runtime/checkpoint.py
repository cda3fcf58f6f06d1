"""The entrance checkpoint: device events in, screenings decided, recorded and announced.

Runs on one event loop. :meth:`Checkpoint.handle` is the single door for device events (the
transports' ``Emit``); decisions are written through the store's single writer and announced
on the bus only after they are committed, so what the page shows is never lost.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.config.loader import ConfigError, load_policy_file
from edge.config.models import GatewayConfig
from edge.events import (
    DecisionOverridden,
    DeviceInputRejected,
    DeviceStatus,
    Outcome,
    PolicyChanged,
    ScreeningDecided,
    ScreeningPending,
)
from edge.rules.pairing import Incomplete, LanePairing, Paired
from edge.rules.policy import UNREADABLE_STEPS, Inputs, Policy, decide
from edge.runtime.bus import Bus
from edge.runtime.service import (
    DeviceView,
    InvalidRequestError,
    LaneView,
    ScreeningNotFoundError,
    ScreeningView,
)
from edge.store import Store
from edge.store import screenings as q
from edge.verify.base import Verdict, VerifierChain
from firmware_interfaces.events import (
    CodeScanned,
    DeviceEvent,
    DeviceStateChanged,
    FrameRejected,
    TemperatureReading,
)

log = logging.getLogger(__name__)

UNREADABLE = "unreadable code: scan again"
_REJECT_FLUSH_S = 10.0


@dataclass(frozen=True, slots=True)
class Scan:
    """What a lane holds for a scanned code while it waits for a temperature."""

    verdict: Verdict
    raw: str


@dataclass
class DeviceRecord:
    id: str
    lane: str | None
    kind: str
    transport: str
    state: str = "starting"
    reason: str = "not opened yet"
    since: float = 0.0
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    unflushed: collections.Counter[str] = field(default_factory=collections.Counter)
    samples: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Lane:
    id: str
    name: str
    pairing: LanePairing[Scan]
    timer: asyncio.TimerHandle | None = None


def _row_to_view(row: dict[str, Any]) -> ScreeningView:
    decided = Outcome(row["outcome"])
    return ScreeningView(
        id=row["id"],
        lane=row["lane"],
        decided_at=row["decided_at"],
        outcome=Outcome(row["overridden_to"]) if row["overridden_to"] else decided,
        decided_outcome=decided,
        reason=row["reason"],
        rule=row["rule"],
        temperature=row["temperature"],
        code_type=row["code_type"],
        code_status=row["code_status"],
        complete=bool(row["complete"]),
        override_user=row["override_user"],
        override_reason=row["override_reason"],
    )


def start_of_local_day(now: float) -> float:
    local = datetime.fromtimestamp(now).astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class Checkpoint:
    """Implements :class:`edge.runtime.service.CheckpointService`."""

    def __init__(
        self,
        config: GatewayConfig,
        policy: Policy,
        store: Store,
        verifier: VerifierChain,
        bus: Bus,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._policy = policy
        self._policy_source = "file"
        self._store = store
        self._verifier = verifier
        self._bus = bus
        self._clock = clock
        self._lanes = {
            lane.id: Lane(
                lane.id, lane.name or lane.id, LanePairing(lane.pairing_window_s, lane.order)
            )
            for lane in config.checkpoint.lanes
        }
        self._devices = {
            d.id: DeviceRecord(d.id, d.lane, d.kind, d.transport) for d in config.devices
        }
        self._pending: set[asyncio.Task[None]] = set()
        self.decisions = 0

    # -- CheckpointService -------------------------------------------------------------------
    @property
    def bus(self) -> Bus:
        return self._bus

    @property
    def current_policy(self) -> Policy:
        return self._policy

    def lanes(self) -> list[LaneView]:
        counts = self._store.read_sync(
            lambda db: q.counts_since(db, start_of_local_day(self._clock()))
        )
        empty = {"ADMIT": 0, "DENY": 0, "RECHECK": 0, "total": 0}
        return [
            LaneView(lane.id, lane.name, lane.pairing.waiting_for, counts.get(lane.id, empty))
            for lane in self._lanes.values()
        ]

    def list_screenings(
        self, *, lane: str | None = None, limit: int = 50, before_id: int | None = None
    ) -> list[ScreeningView]:
        limit = max(1, min(limit, 500))
        rows = self._store.read_sync(
            lambda db: q.list_screenings(db, lane=lane, limit=limit, before_id=before_id)
        )
        return [_row_to_view(r) for r in rows]

    def get_screening(self, screening_id: int) -> ScreeningView:
        row = self._store.read_sync(lambda db: q.get_screening(db, screening_id))
        if row is None:
            raise ScreeningNotFoundError(screening_id)
        return _row_to_view(row)

    async def override(
        self, screening_id: int, *, user: str, outcome: Outcome, reason: str
    ) -> ScreeningView:
        reason = reason.strip()
        if not reason:
            raise InvalidRequestError("an override needs a reason")
        at = self._clock()

        def write(db: Any) -> tuple[str, str]:
            row = q.get_screening(db, screening_id)
            if row is None:
                raise ScreeningNotFoundError(screening_id)
            before = row["overridden_to"] or row["outcome"]
            if before == outcome.value:
                raise InvalidRequestError(f"the decision is already {before}")
            q.record_override(
                db,
                screening_id=screening_id,
                at=at,
                user=user,
                reason=reason,
                before=before,
                after=outcome.value,
            )
            return before, row["lane"]

        before, lane = await self._store.write(write)
        log.info("override of screening %s by %s: %s -> %s", screening_id, user, before, outcome)
        self._bus.publish(
            DecisionOverridden(screening_id, lane, at, user, Outcome(before), outcome, reason)
        )
        return self.get_screening(screening_id)

    def overrides(self, screening_id: int | None = None) -> list[dict[str, Any]]:
        return self._store.read_sync(lambda db: q.list_overrides(db, screening_id))

    def devices(self) -> list[DeviceView]:
        return [
            DeviceView(
                d.id, d.lane, d.kind, d.transport, d.state, d.reason, d.since, dict(d.rejected)
            )
            for d in self._devices.values()
        ]

    def policy(self) -> dict[str, Any]:
        data: dict[str, Any] = self._policy.model_dump(mode="json")
        data["version"] = self._policy.version
        data["source"] = self._policy_source
        return data

    async def reload_policy(self) -> dict[str, Any]:
        path = self._config.checkpoint.policy_file
        try:
            policy = load_policy_file(path)
        except ConfigError as exc:
            raise InvalidRequestError(str(exc).replace("\n", "; ")) from None
        self._set_policy(policy, "file")
        return self.policy()

    def apply_policy(self, data: dict[str, Any], source: str = "central") -> None:
        """Apply a policy given as data (a central push); raises ``ValidationError``."""
        policy = Policy.model_validate(data)
        write_policy_file(self._config.checkpoint.policy_file, policy)
        self._set_policy(policy, source)

    def _set_policy(self, policy: Policy, source: str) -> None:
        self._policy, self._policy_source = policy, source
        log.info("admission policy %s applied (from %s)", policy.version, source)
        self._bus.publish(PolicyChanged(source, policy.version, self._clock()))

    # -- device events -----------------------------------------------------------------------
    def emitter(self, device_id: str) -> Callable[[DeviceEvent], None]:
        """The ``Emit`` callable for one device's transport."""
        return lambda event: self.handle(device_id, event)

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
                self._on_state(device, event.state.value, event.reason, now)
            case FrameRejected():
                self._on_rejected(device, event.reason, event.data, now)
            case _:
                log.debug("event %r from %s is not for the checkpoint", event, device_id)

    def _on_scan(self, device: DeviceRecord, event: CodeScanned, now: float) -> None:
        lane = self._lanes.get(device.lane or "")
        if lane is None:
            return
        verdict = self._verifier.verify(event.text, at=datetime.fromtimestamp(now, UTC))
        if not verdict.valid and verdict.failed_step in UNREADABLE_STEPS:
            # Nobody was screened: tell staff to scan again, keep the lane as it was.
            self._on_rejected(device, verdict.reason or "unknown code format", b"", now)
            return
        scan = Scan(verdict, event.text)
        if not self._thermometer_up(lane.id):
            self._settle(lane, Incomplete(scan, None), now, thermometer_up=False)
            return
        self._settle_all(lane, lane.pairing.scan(event.text, scan, now), now)

    def _on_temperature(self, device: DeviceRecord, event: TemperatureReading, now: float) -> None:
        lane = self._lanes.get(device.lane or "")
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
        outcomes = lane.pairing.tick(now)
        for outcome in outcomes:
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
        temperature = outcome.temperature
        verdict = scan.verdict if scan is not None else None
        decision = decide(
            self._policy,
            Inputs(
                temperature=temperature,
                verdict=verdict,
                thermometer_up=thermometer_up,
                verifier_up=bool(self._verifier),
            ),
        )
        record = q.NewScreening(
            lane=lane.id,
            decided_at=now,
            outcome=decision.outcome.value,
            reason=decision.reason,
            rule=decision.rule,
            policy_version=self._policy.version,
            temperature=temperature,
            code_type=verdict.code_type if verdict else None,
            code_status=verdict.status.value if verdict and verdict.status else None,
            code_valid=verdict.valid if verdict else None,
            failed_step=verdict.failed_step if verdict else None,
            complete=isinstance(outcome, Paired),
            resident_id=verdict.subject if verdict else None,
            raw_code=scan.raw if scan else None,
        )
        task = asyncio.get_running_loop().create_task(self._record(record, decision.outcome))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _record(self, record: q.NewScreening, outcome: Outcome) -> None:
        try:
            screening_id = await self._store.write(lambda db: q.insert_screening(db, record))
        except Exception:
            log.exception("could not record a screening on lane %s", record.lane)
            return
        self.decisions += 1
        self._bus.publish(
            ScreeningDecided(
                screening_id=screening_id,
                lane=record.lane,
                at=record.decided_at,
                outcome=outcome,
                reason=record.reason,
                rule=record.rule,
                temperature=record.temperature,
                code_type=record.code_type,
                code_status=record.code_status,
                complete=record.complete,
            )
        )

    def _thermometer_up(self, lane_id: str) -> bool:
        thermometers = [
            d for d in self._devices.values() if d.lane == lane_id and d.kind == "thermometer"
        ]
        return any(d.state in ("connected", "silent", "starting") for d in thermometers)

    def _on_state(self, device: DeviceRecord, state: str, reason: str, now: float) -> None:
        if state == device.state and reason == device.reason:
            return
        device.state, device.reason, device.since = state, reason, now
        self._bus.publish(DeviceStatus(device.id, device.kind, state, reason, now))
        self._store.submit(
            lambda db: q.record_device_event(
                db, device=device.id, at=now, kind="state", state=state, reason=reason
            )
        )

    def _on_rejected(self, device: DeviceRecord, reason: str, data: bytes, now: float) -> None:
        device.rejected[reason] += 1
        device.unflushed[reason] += 1
        device.samples.setdefault(reason, data)
        notice = UNREADABLE if device.kind == "scanner" else "unreadable reading: measure again"
        self._bus.publish(DeviceInputRejected(device.id, reason, now, device.lane, notice))

    def flush_rejected(self) -> None:
        """Write the rejected-input counts gathered since the last flush (one row per reason)."""
        now = self._clock()
        for device in self._devices.values():
            for reason, count in device.unflushed.items():
                sample = device.samples.pop(reason, b"").hex() or None
                self._store.submit(
                    functools.partial(
                        q.record_device_event,
                        device=device.id,
                        at=now,
                        kind="rejected",
                        state=None,
                        reason=reason,
                        count=count,
                        sample=sample,
                    )
                )
            device.unflushed.clear()

    # -- background work ---------------------------------------------------------------------
    async def run(self) -> None:
        """Periodic chores: flush rejected-input counts, purge personal data."""
        retention_s = self._config.storage.retention_days * 86400
        last_purge = 0.0
        try:
            while True:
                self.flush_rejected()
                now = self._clock()
                if now - last_purge > 3600:
                    last_purge = now
                    purged = await self._store.write(
                        functools.partial(q.purge_personal, older_than=now - retention_s)
                    )
                    if purged:
                        log.info("purged personal fields of %d old screenings", purged)
                await asyncio.sleep(_REJECT_FLUSH_S)
        finally:
            self.flush_rejected()

    async def shutdown(self) -> None:
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


def write_policy_file(path: Path, policy: Policy) -> None:
    """Write ``policy`` as TOML atomically (write, fsync, rename)."""
    lines = ["# Admission policy; edit and reload (SIGHUP or POST /api/policy/reload)."]
    for key, value in policy.model_dump(mode="json").items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value}")
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
