"""What the household rule adds to scan-to-decision: 5,000 households, a month of exits.

The real checkpoint (pairing, the community-pass signature check, the policy, the records on a
SQLite file) decides on an out-lane; this process times each scan from the moment the
scanner's event is handed to the lane to the moment its decision is announced
(``ScreeningDecided`` on the bus: what the page shows). Two gateways in the same run, measured
in alternating rounds so the machine's load falls on both alike:

- with the household registry as the lanes' desk: 5,000 households (12,500 members) with a
  month of exits (one every other day per household: 75,000 rows, loaded at start), and the
  policy's ``exits_per_period = 1`` per 48 h on the out-lane;
- the baseline: the same gateway without a registry and without the rule.

    .venv/bin/python bench/bench_household_rules.py [--scans 3000] [--rounds 6]

Target (issue 11): the rule adds under 1 ms to the decision's p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.checkpoint.checkpoint import Checkpoint
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.checkpoint.settings import CheckpointSettings, DeviceSpec, LaneSettings
from edge.community.schema import MIGRATIONS as COMMUNITY_MIGRATIONS
from edge.community.service import CommunityService
from edge.community.settings import CommunitySettings
from edge.core.bus import Bus
from edge.core.events import ScreeningDecided
from edge.core.store import Store
from edge.rules.policy import Policy
from edge.verify.base import VerifierChain
from edge.verify.community_pass import KeyRing, generate_keypair, issue_pass
from edge.verify.community_pass.keys import public_key_from_pem
from edge.verify.community_pass.verifier import CommunityPassVerifier
from firmware_interfaces.events import CodeScanned, TemperatureReading

HOUSEHOLDS = 5000
MEMBERS_EACH = 2.5
DAYS = 30
LANE = LaneSettings(id="out", direction="out", pairing_window_s=10)
DEVICES = [
    DeviceSpec("thermo", "out", "thermometer", "serial"),
    DeviceSpec("scanner", "out", "scanner", "serial"),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fill_registry(db_path: Path, now: float) -> list[str]:
    """5,000 households, their members and a month of exits; return the resident ids."""
    conn = sqlite3.connect(db_path)
    rng = random.Random(11)
    residents: list[str] = []
    member_id = 0
    with conn:
        for h in range(1, HOUSEHOLDS + 1):
            conn.execute(
                "INSERT INTO households (id, building, unit, room, note, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, '', ?, ?)",
                (h, str(1 + h // 200), str(1 + h % 4), str(100 + h % 200), now, now),
            )
            for m in range(2 + (h % 2)):
                member_id += 1
                resident = f"r-{h:05d}-{m}"
                residents.append(resident)
                conn.execute(
                    "INSERT INTO members (id, household_id, resident_id, name, has_phone,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                    (member_id, h, resident, f"member {h}-{m}", now, now),
                )
            first = member_id - 1
            for day in range(0, DAYS, 2):  # one exit every other day, back the same day
                at = now - (day + rng.random() * 2) * 86400
                conn.execute(
                    "INSERT INTO household_exits (household_id, member_id, lane, at,"
                    " decision_key, returned_at) VALUES (?, ?, 'out', ?, ?, ?)",
                    (h, first, at, f"seed-{h}-{day}", at + 3 * 3600),
                )
    conn.close()
    return residents


class Gate:
    def __init__(self, root: Path, *, with_rule: bool, verifier: VerifierChain) -> None:
        self.root = root
        self.with_rule = with_rule
        sets = [CHECKPOINT_MIGRATIONS, COMMUNITY_MIGRATIONS]
        self.store = Store(root / "gateway.db", sets, synchronous="NORMAL")
        self.bus = Bus()
        household = {"exits_per_period": 1, "period_hours": 48} if with_rule else {}
        self.policy = Policy.model_validate({"household": household})
        self.verifier = verifier
        self.community: CommunityService | None = None
        self.checkpoint: Checkpoint | None = None

    async def start(self, now: float) -> list[str]:
        self.store.open()
        residents = fill_registry(self.store.path, now) if self.with_rule else []
        if self.with_rule:
            self.community = CommunityService(
                CommunitySettings(), self.store, self.bus, lanes={"out": "out"},
                data_dir=self.root, gateway_id="bench", policy=lambda: self.policy,
            )  # fmt: skip
            await self.community.start()
        self.checkpoint = Checkpoint(
            CheckpointSettings(policy_file=self.root / "policy.toml", lanes=[LANE]),
            DEVICES, self.policy, self.store, self.verifier, self.bus, people=self.community,
        )  # fmt: skip
        return residents

    async def scan(self, code: str) -> tuple[float, str]:
        assert self.checkpoint is not None
        sub = self.bus.subscribe()
        self.checkpoint.handle("thermo", TemperatureReading(36.5))
        started = time.perf_counter_ns()
        self.checkpoint.handle("scanner", CodeScanned(code, "Q1"))
        elapsed = (time.perf_counter_ns() - started) / 1e6
        decided = None
        while (event := sub.get_nowait()) is not None:
            if isinstance(event, ScreeningDecided):
                decided = event
        sub.close()
        assert decided is not None, "no decision"
        return elapsed, decided.rule

    async def stop(self) -> None:
        if self.checkpoint is not None:
            await self.checkpoint.drain()
        if self.community is not None:
            await self.community.drain()
        self.store.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scans", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    private_pem, public_pem = generate_keypair("Ed25519", "bench")
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem, None)
    ring = KeyRing({"bench": public_key_from_pem(public_pem, None)})
    verifier = VerifierChain([CommunityPassVerifier(ring)])
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        with_rule = Gate(Path(tmp) / "rule", with_rule=True, verifier=verifier)
        without = Gate(Path(tmp) / "plain", with_rule=False, verifier=verifier)
        (Path(tmp) / "rule").mkdir()
        (Path(tmp) / "plain").mkdir()
        t0 = time.perf_counter()
        residents = await with_rule.start(now)
        loaded = time.perf_counter() - t0
        await without.start(now)
        rng = random.Random(5)
        sample = [rng.choice(residents) for _ in range(args.scans)]
        codes = [
            issue_pass(key, kid="bench", resident_id=r, status="green",  # type: ignore[arg-type]
                       valid_for=timedelta(days=30), issuer="bench")
            for r in sample
        ]  # fmt: skip
        timings: dict[str, list[float]] = {"rule": [], "plain": []}
        rules: dict[str, int] = {}
        per_round = max(1, args.scans // args.rounds)
        for r in range(args.rounds):
            chunk = codes[r * per_round : (r + 1) * per_round]
            for name, gate in (("rule", with_rule), ("plain", without))[:: 1 if r % 2 else -1]:
                for code in chunk:
                    ms, rule = await gate.scan(code)
                    timings[name].append(ms)
                    if name == "rule":
                        rules[rule] = rules.get(rule, 0) + 1
                    await asyncio.sleep(0)  # the records' writes go on meanwhile
        # The lookup alone (what the lanes ask the registry, and the rule on its answer).
        from edge.rules.household import exit_limit

        assert with_rule.community is not None
        lookups: list[float] = []
        for resident in sample * 5:
            started = time.perf_counter_ns()
            ctx = with_rule.community.context(resident, "out", "out", time.time())
            exit_limit(with_rule.policy.household, "out", ctx)
            lookups.append((time.perf_counter_ns() - started) / 1e6)
        await with_rule.stop()
        await without.stop()
    load = os.getloadavg()
    print(f"registry: {HOUSEHOLDS} households, {len(residents)} members, "
          f"{HOUSEHOLDS * DAYS // 2} exits; loaded in {loaded * 1000:.0f} ms")  # fmt: skip
    print(f"decisions with the rule, by rule: {rules}")
    for name, label in (("plain", "without the household rule (baseline)"),
                        ("rule", "with the household rule")):  # fmt: skip
        ms = timings[name]
        print(f"{label:40} n={len(ms):5}  p50 {pct(ms, 0.5):7.3f} ms  p99 {pct(ms, 0.99):7.3f} ms")
    print(f"{'the lookup and rule alone':40} n={len(lookups):5}  p50 {pct(lookups, 0.5):7.3f} ms"
          f"  p99 {pct(lookups, 0.99):7.3f} ms")  # fmt: skip
    added = pct(timings["rule"], 0.99) - pct(timings["plain"], 0.99)
    print(f"added to the p99: {added:+.3f} ms (target < 1 ms)")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
