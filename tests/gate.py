"""The real checkpoint with its real store, set up as a small gate, for tests that drive it.

Screenings are made the way a lane makes them, from device events (a reading and a scan), so a
test of the web routes exercises the real pairing, policy, records, overrides and audit. Codes
use a plain-text test format, ``TEST:<colour>:<resident>``, read by :class:`ColourVerifier`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from edge.auth.persistence import MIGRATIONS as AUTH_MIGRATIONS
from edge.checkpoint.checkpoint import Checkpoint
from edge.checkpoint.schema import MIGRATIONS
from edge.checkpoint.settings import CheckpointSettings, DeviceSpec, LaneSettings
from edge.core.bus import Bus, Subscription
from edge.core.events import ScreeningDecided, ScreeningRecorded
from edge.core.store import Store
from edge.rules.policy import Policy
from edge.rules.policy_file import write_policy_file
from edge.verify.base import CodeStatus, Verdict, VerifierChain
from firmware_interfaces.events import (
    CodeScanned,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    TemperatureReading,
)
from tests.waiting import next_of, until


class ColourVerifier:
    """A plain-text test format: ``TEST:<colour>:<resident>`` (``expired`` is invalid)."""

    def __init__(self, code_type: str = "test") -> None:
        self.code_type = code_type

    def claims(self, text: str) -> bool:
        return text.startswith("TEST:")

    def verify(self, text: str, *, at: datetime) -> Verdict:
        _, colour, resident = text.split(":", 2)
        if colour == "expired":
            return Verdict(False, self.code_type, failed_step="expiry", reason="code expired")
        return Verdict(True, self.code_type, status=CodeStatus(colour), subject=resident)


LANES = [LaneSettings(id="north", name="North gate"), LaneSettings(id="south", name="South gate")]
DEVICES = [
    DeviceSpec("north-thermometer", "north", "thermometer", "serial"),
    DeviceSpec("north-scanner", "north", "scanner", "serial"),
    DeviceSpec("south-thermometer", "south", "thermometer", "serial"),
    DeviceSpec("south-scanner", "south", "scanner", "serial"),
]


@dataclass(frozen=True)
class Screened:
    """A decision and the id it was recorded under."""

    decided: ScreeningDecided
    screening_id: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.decided, name)


async def screened(sub: Subscription) -> Screened:
    """The next decision on ``sub``, once it is recorded."""
    decided = await next_of(sub, ScreeningDecided)
    assert isinstance(decided, ScreeningDecided)
    recorded = await until(sub, lambda e: isinstance(e, ScreeningRecorded) and e.key == decided.key)
    assert isinstance(recorded, ScreeningRecorded)
    return Screened(decided, recorded.screening_id)


class Gate:
    """Two lanes, a thermometer and a scanner on each; open with :meth:`open`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.policy_file = folder / "policy.toml"
        write_policy_file(self.policy_file, Policy())
        self.bus = Bus()
        # The web app's sessions live in the same file, as in the gateway.
        self.store = Store(
            folder / "gateway.db", [MIGRATIONS, AUTH_MIGRATIONS], synchronous="NORMAL"
        )
        self.checkpoint = Checkpoint(
            CheckpointSettings(policy_file=self.policy_file, lanes=LANES),
            DEVICES,
            Policy(),
            self.store,
            VerifierChain([ColourVerifier("community_pass")]),
            self.bus,
        )
        self._residents = 0

    async def open(self) -> Gate:
        """Open the store and bring the devices up as a real morning would find them."""
        self.store.open()
        await self.checkpoint.start()
        handle = self.checkpoint.handle
        handle("north-thermometer", DeviceStateChanged(DeviceState.CONNECTED, ""))
        handle("north-scanner", DeviceStateChanged(DeviceState.SILENT, "no data for 30 s"))
        handle("south-thermometer", DeviceStateChanged(DeviceState.CONNECTED, ""))
        handle("south-scanner", DeviceStateChanged(DeviceState.UNPLUGGED, "port gone"))
        for _ in range(2):
            handle("south-scanner", FrameRejected("bad frame", b"\x00"))
        return self

    async def close(self) -> None:
        await self.checkpoint.drain()
        self.store.close()

    async def screen(
        self, lane: str, *, colour: str = "green", temperature: float | None = 36.6
    ) -> Screened:
        """One resident: a reading (unless None) and a scan on ``lane``; decided and recorded."""
        self._residents += 1
        sub = self.bus.subscribe()
        try:
            if temperature is not None:
                self.checkpoint.handle(f"{lane}-thermometer", TemperatureReading(temperature))
            code = f"TEST:{colour}:resident-{self._residents}"
            self.checkpoint.handle(f"{lane}-scanner", CodeScanned(code))
            return await screened(sub)
        finally:
            sub.close()

    async def settle(self) -> None:
        await asyncio.sleep(0)
        await self.checkpoint.drain()
