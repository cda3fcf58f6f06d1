"""The checkpoint runtime: device events in, decisions recorded, announced and overridable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from edge.checkpoint.checkpoint import Checkpoint
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.checkpoint.service import InvalidRequestError, ScreeningNotFoundError
from edge.config.models import GatewayConfig
from edge.core.bus import Bus
from edge.core.events import DeviceInputRejected, Outcome, ScreeningDecided, ScreeningPending
from edge.core.store import Store
from edge.rules.policy import Policy
from edge.verify.base import CodeStatus, Verdict, VerifierChain
from firmware_interfaces.events import (
    CodeScanned,
    DeviceState,
    DeviceStateChanged,
    FrameRejected,
    TemperatureReading,
)
from tests.gate import screened
from tests.waiting import next_of


class ColourVerifier:
    """A plain-text test format: ``TEST:<colour>:<resident>``."""

    code_type = "test"

    def claims(self, text: str) -> bool:
        return text.startswith("TEST:")

    def verify(self, text: str, *, at: datetime) -> Verdict:
        _, colour, resident = text.split(":", 2)
        if colour == "expired":
            return Verdict(False, "test", failed_step="expiry", reason="code expired")
        return Verdict(True, "test", status=CodeStatus(colour), subject=resident)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def config(tmp_path: Path) -> GatewayConfig:
    return GatewayConfig.model_validate(
        {
            "gateway": {"id": "gw1", "data_dir": str(tmp_path)},
            "checkpoint": {
                "policy_file": str(tmp_path / "policy.toml"),
                "lanes": [{"id": "north", "pairing_window_s": 0.2}],
            },
            "devices": [
                {
                    "id": "thermo",
                    "lane": "north",
                    "kind": "thermometer",
                    "transport": "serial",
                    "port": "x",
                    "protocol": "ascii-braces",
                },
                {
                    "id": "scanner",
                    "lane": "north",
                    "kind": "scanner",
                    "transport": "serial",
                    "port": "y",
                    "protocol": "scanner",
                },
            ],
        }
    )


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Checkpoint, Bus, Clock]]:
    bus, clock = Bus(), Clock()
    with Store(tmp_path / "g.db", [CHECKPOINT_MIGRATIONS]) as store:
        cfg = config(tmp_path)
        cp = Checkpoint(
            cfg.checkpoint,
            cfg.device_specs(),
            Policy(),
            store,
            VerifierChain([ColourVerifier()]),
            bus,
            clock=clock,
        )
        await cp.start()
        yield cp, bus, clock
        await cp.drain()


async def test_scan_and_fever_reading_deny_and_are_recorded(setup) -> None:  # type: ignore[no-untyped-def]
    cp, bus, _clock = setup
    sub = bus.subscribe()
    cp.handle("scanner", CodeScanned("TEST:green:r1", "Q1"))
    pending = await next_of(sub, ScreeningPending)
    assert pending.waiting_for == "temperature"
    cp.handle("thermo", TemperatureReading(37.9))
    decided = await screened(sub)
    assert (decided.outcome, decided.reason, decided.rule) == (
        Outcome.DENY,
        "fever 37.9 °C",
        "fever",
    )
    view = await cp.get_screening(decided.screening_id)
    assert view.outcome is Outcome.DENY and view.complete and view.code_type == "test"
    assert cp.lanes()[0].counts_today["DENY"] == 1


async def test_lone_scan_times_out_into_a_visible_recheck(setup) -> None:  # type: ignore[no-untyped-def]
    cp, bus, clock = setup
    sub = bus.subscribe()
    cp.handle("scanner", CodeScanned("TEST:green:r1"))
    clock.now += 1.0  # the timer fires on the loop; the clock says the window has passed
    decided = await next_of(sub, ScreeningDecided)
    assert (decided.outcome, decided.reason, decided.complete) == (
        Outcome.RECHECK,
        "no temperature yet: measure again",
        False,
    )


async def test_unplugged_thermometer_decides_at_once_per_policy(setup) -> None:  # type: ignore[no-untyped-def]
    cp, bus, _clock = setup
    sub = bus.subscribe()
    cp.handle("thermo", DeviceStateChanged(DeviceState.UNPLUGGED, "port vanished"))
    cp.handle("scanner", CodeScanned("TEST:green:r1"))
    decided = await next_of(sub, ScreeningDecided)
    assert decided.reason == "thermometer unavailable: check manually"
    states = {d.id: d.state for d in cp.devices()}
    assert states["thermo"] == "unplugged"


async def test_garbage_is_counted_and_tells_staff_to_scan_again(setup) -> None:  # type: ignore[no-untyped-def]
    cp, bus, _clock = setup
    sub = bus.subscribe()
    cp.handle("scanner", FrameRejected("unreadable code (not UTF-8)", b"\xff\xfe"))
    cp.handle("scanner", CodeScanned("NOT-A-KNOWN-FORMAT"))
    first = await next_of(sub, DeviceInputRejected)
    second = await next_of(sub, DeviceInputRejected)
    assert first.notice == second.notice == "unreadable code: scan again"
    rejected = {d.id: d.rejected for d in cp.devices()}["scanner"]
    assert rejected == {"unreadable code (not UTF-8)": 1, "unknown code format: scan again": 1}
    assert cp.lanes()[0].waiting_for is None  # the lane was not blocked


async def test_override_is_audited_and_validated(setup) -> None:  # type: ignore[no-untyped-def]
    cp, bus, _clock = setup
    sub = bus.subscribe()
    cp.handle("thermo", TemperatureReading(36.6))
    cp.handle("scanner", CodeScanned("TEST:red:r2"))
    decided = await screened(sub)
    assert decided.outcome is Outcome.DENY and decided.reason == "code red"
    with pytest.raises(InvalidRequestError):
        await cp.override(decided.screening_id, user="sup", outcome=Outcome.ADMIT, reason="  ")
    with pytest.raises(InvalidRequestError):
        await cp.override(decided.screening_id, user="sup", outcome=Outcome.DENY, reason="same")
    with pytest.raises(ScreeningNotFoundError):
        await cp.override(999, user="sup", outcome=Outcome.ADMIT, reason="x")
    view = await cp.override(
        decided.screening_id, user="sup", outcome=Outcome.ADMIT, reason="status list out of date"
    )
    assert (view.outcome, view.decided_outcome, view.override_user) == (
        Outcome.ADMIT,
        Outcome.DENY,
        "sup",
    )
    [audit] = await cp.overrides(decided.screening_id)
    assert (audit["user"], audit["before"], audit["after"], audit["reason"]) == (
        "sup",
        "DENY",
        "ADMIT",
        "status list out of date",
    )
    assert cp.lanes()[0].counts_today == {"ADMIT": 1, "DENY": 0, "RECHECK": 0, "total": 1}


async def test_policy_reload_applies_without_restart(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cp, bus, _clock = setup
    (tmp_path / "policy.toml").write_text("fever_threshold_c = 38.0\n")
    assert (await cp.reload_policy())["fever_threshold_c"] == 38.0
    sub = bus.subscribe()
    cp.handle("thermo", TemperatureReading(37.8))
    cp.handle("scanner", CodeScanned("TEST:green:r3"))
    decided = await next_of(sub, ScreeningDecided)
    assert decided.outcome is Outcome.RECHECK  # in the recheck band now, not a fever
    (tmp_path / "policy.toml").write_text("fever_threshold_c = 'hot'\n")
    with pytest.raises(InvalidRequestError, match="fever_threshold_c"):
        await cp.reload_policy()
    assert cp.policy()["fever_threshold_c"] == 38.0  # the bad file changed nothing


async def test_personal_fields_are_purged_but_counts_kept(setup) -> None:  # type: ignore[no-untyped-def]
    cp, bus, clock = setup
    sub = bus.subscribe()
    cp.handle("thermo", TemperatureReading(36.6))
    cp.handle("scanner", CodeScanned("TEST:green:resident-9"))
    await screened(sub)
    store = cp.records._store
    clock.now += 15 * 86400
    runner = asyncio.create_task(cp.run())
    for _ in range(100):
        rows = store.read_sync(
            lambda db: list(db.query("SELECT resident_id, raw_code FROM screenings"))
        )
        if rows[0]["resident_id"] is None:
            break
        await asyncio.sleep(0.05)
    runner.cancel()
    assert rows == [{"resident_id": None, "raw_code": None}]
    assert store.read_sync(lambda db: db["screenings"].count) == 1


def _on_disk(store: Store) -> bytes:
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def test_purged_fields_are_gone_from_the_files_not_only_the_rows(setup) -> None:  # type: ignore[no-untyped-def]
    """A card taken from the gatehouse: a purged resident id is not in the database file's free
    space nor in the write-ahead log's older copies of its pages."""
    cp, bus, clock = setup
    store = cp.records._store
    sub = bus.subscribe()

    async def screen(resident: str) -> None:
        cp.handle("thermo", TemperatureReading(36.6))
        cp.handle("scanner", CodeScanned("TEST:green:" + resident))
        await screened(sub)

    for i in range(20):
        await screen(f"resident-privacy-{i:02d}")
    assert await store.truncate_wal()  # as the auto-checkpoint does: the rows in the database
    clock.now += 15 * 86400
    for i in range(5):
        await screen(f"resident-kept-{i:02d}")
    assert b"resident-privacy-" in _on_disk(store)  # the test can fail: the ids were written
    runner = asyncio.create_task(cp.run())
    try:
        for _ in range(200):
            if b"resident-privacy-" not in _on_disk(store):
                break
            await asyncio.sleep(0.05)
    finally:
        runner.cancel()
    assert b"resident-privacy-" not in _on_disk(store)
    assert b"resident-kept-04" in _on_disk(store)  # inside the retention period: kept
    assert store.read_sync(lambda db: db["screenings"].count) == 25  # the counts are kept
