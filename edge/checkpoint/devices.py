"""The devices of the checkpoint's lanes: their state, and the input they sent that was unusable.

State changes are announced on the bus and recorded; rejected input is counted in memory (the
page and ``/metrics`` read the counts) and written in batches, one row per device and reason,
so a scanner spewing garbage cannot flood the disk.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from edge.checkpoint import queries as q
from edge.checkpoint.service import DeviceView
from edge.checkpoint.settings import DeviceSpec
from edge.core.bus import Bus
from edge.core.events import DeviceInputRejected, DeviceStatus
from edge.core.store import Store
from edge.core.words import N_

UNREADABLE_CODE = N_("unreadable code: scan again")
NOT_OPENED = N_("not opened yet")
UNREADABLE_READING = N_("unreadable reading: measure again")
_THERMOMETER_USABLE = ("connected", "silent", "starting")


@dataclass
class DeviceRecord:
    spec: DeviceSpec
    state: str = "starting"
    reason: str = NOT_OPENED
    since: float = 0.0
    rejected: collections.Counter[str] = field(default_factory=collections.Counter)
    unflushed: collections.Counter[str] = field(default_factory=collections.Counter)
    samples: dict[str, bytes] = field(default_factory=dict)

    def view(self) -> DeviceView:
        s = self.spec
        return DeviceView(
            s.id, s.lane, s.kind, s.transport, self.state, self.reason, self.since,
            dict(self.rejected),
        )  # fmt: skip


class DeviceBoard:
    def __init__(
        self, specs: Sequence[DeviceSpec], store: Store, bus: Bus, clock: Callable[[], float]
    ) -> None:
        self._devices = {spec.id: DeviceRecord(spec) for spec in specs}
        self._store = store
        self._bus = bus
        self._clock = clock

    def get(self, device_id: str) -> DeviceRecord | None:
        return self._devices.get(device_id)

    def views(self) -> list[DeviceView]:
        return [d.view() for d in self._devices.values()]

    def thermometer_up(self, lane: str) -> bool:
        return any(
            d.state in _THERMOMETER_USABLE
            for d in self._devices.values()
            if d.spec.lane == lane and d.spec.kind == "thermometer"
        )

    def state_changed(self, device: DeviceRecord, state: str, reason: str, now: float) -> None:
        if state == device.state and reason == device.reason:
            return
        device.state, device.reason, device.since = state, reason, now
        self._bus.publish(DeviceStatus(device.spec.id, device.spec.kind, state, reason, now))
        self._store.submit(
            functools.partial(
                q.record_device_event,
                device=device.spec.id, at=now, kind="state", state=state, reason=reason,
            )
        )  # fmt: skip

    def rejected(self, device: DeviceRecord, reason: str, data: bytes, now: float) -> None:
        device.rejected[reason] += 1
        device.unflushed[reason] += 1
        device.samples.setdefault(reason, data)
        notice = UNREADABLE_CODE if device.spec.kind == "scanner" else UNREADABLE_READING
        self._bus.publish(
            DeviceInputRejected(device.spec.id, reason, now, device.spec.lane, notice)
        )

    def flush_rejected(self) -> None:
        """Write the rejected-input counts gathered since the last flush (one row per reason)."""
        now = self._clock()
        for device in self._devices.values():
            for reason, count in device.unflushed.items():
                sample = device.samples.pop(reason, b"").hex() or None
                self._store.submit(
                    functools.partial(
                        q.record_device_event,
                        device=device.spec.id,
                        at=now,
                        kind="rejected",
                        state=None,
                        reason=reason,
                        count=count,
                        sample=sample,
                    )
                )
            device.unflushed.clear()
