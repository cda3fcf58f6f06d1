"""Simulated gateways: many in one process, each with the real uplink and distribution code.

Each simulated gateway is a gateway without devices: its own SQLite store (the real
migrations), its own MQTT connection, the real :class:`~cloud_sync.uplink.UplinkService` with
the distribution receiver, and the real appliers (a community pass verifier's status list, a
policy store, the notices table). With ``activity`` it also makes screenings now and then (as a
lane would record them), so that its windows reach the centre, and marks notices read.

The fleet benchmark (``bench/bench_fleet.py``) and the demo's district (``edge/demo/centre.py``)
run it: ``python -m edge.demo.fleet --root DIR --broker HOST:PORT --keys DIR --count N``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import random
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from cloud_sync.uplink import MIGRATIONS as UPLINK_MIGRATIONS
from cloud_sync.uplink import UplinkService, UplinkSettings
from edge.checkpoint.policy_store import PolicyStore
from edge.checkpoint.schema import MIGRATIONS as CHECKPOINT_MIGRATIONS
from edge.core.bus import Bus
from edge.core.store import Store
from edge.distribution.build import build_appliers
from edge.notices.applier import NoticeApplier
from edge.notices.board import NoticeBoard
from edge.notices.feeds import NoticeReads, NoticeReplies
from edge.notices.schema import MIGRATIONS as NOTICES_MIGRATIONS
from edge.rules.policy import Policy
from edge.rules.policy_file import write_policy_file
from edge.verify.community_pass.keys import KeyRing
from edge.verify.community_pass.status_list import StatusList
from edge.verify.community_pass.verifier import CommunityPassVerifier

log = logging.getLogger(__name__)

OUTCOMES = ("ADMIT",) * 17 + ("DENY", "RECHECK", "RECHECK")
DENY_RULES = ("fever", "code-colour", "code-invalid")


@dataclass(frozen=True, slots=True)
class FleetSettings:
    root: Path
    broker_host: str
    broker_port: int
    centre_keys: Path
    window_s: int = 300
    heartbeat_s: float = 300.0
    activity: bool = False  # make screenings and read notices, as staff at a busy gate would
    screenings_per_minute: float = 4.0


class SimulatedGateway:
    def __init__(self, gateway_id: str, community: str, fleet: FleetSettings) -> None:
        self.id = gateway_id
        self.community = community
        self.fleet = fleet
        folder = fleet.root / gateway_id
        folder.mkdir(parents=True, exist_ok=True)
        self.store = Store(
            folder / "gateway.db",
            [CHECKPOINT_MIGRATIONS, UPLINK_MIGRATIONS, NOTICES_MIGRATIONS],
            synchronous="NORMAL",
            readers=1,
        )
        policy_file = folder / "policy.toml"
        if not policy_file.exists():
            write_policy_file(policy_file, Policy())
        bus = Bus()
        self.verifier = CommunityPassVerifier(KeyRing(), StatusList())
        self.policy = PolicyStore(policy_file, Policy(), bus, time.time)
        self.notices = NoticeBoard(self.store)
        settings = UplinkSettings(
            gateway_id=gateway_id,
            community=community,
            broker_host=fleet.broker_host,
            broker_port=fleet.broker_port,
            tls=False,
            hmac_key_file=folder / "uplink-hmac.key",
            centre_keys=[fleet.centre_keys],
            clock_check="trust",
            window_s=fleet.window_s,
            window_settle_s=2,
            heartbeat_s=fleet.heartbeat_s,
            backoff_initial_s=0.5,
            backoff_max_s=10.0,
            max_inflight=100,
        )
        self.service = UplinkService(
            settings,
            self.store,
            bus,
            appliers=build_appliers([self.verifier], self.policy, [NoticeApplier()]),
            feeds=[NoticeReads(), NoticeReplies()],
        )

    async def run(self) -> None:
        self.store.start()
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self.service.run(), name=f"uplink:{self.id}")
                if self.fleet.activity:
                    tasks.create_task(self._lanes(), name=f"lanes:{self.id}")
        finally:
            self.store.close()

    async def _lanes(self) -> None:
        """Screenings as a quiet gate records them, and the notices read by its staff."""
        rng = random.Random(self.id)
        lanes = [f"{self.id}-gate-{n}" for n in range(1, rng.randint(1, 3) + 1)]
        pause = 60.0 / self.fleet.screenings_per_minute
        while True:
            await asyncio.sleep(rng.expovariate(1.0 / pause))
            outcome = rng.choice(OUTCOMES)
            rule = rng.choice(DENY_RULES) if outcome == "DENY" else "admit"
            row = (rng.choice(lanes), time.time(), outcome, outcome.lower(), rule, "sim",
                   round(rng.gauss(36.6, 0.4), 1), "community-pass", "green", 1,
                   f"resident-{rng.randrange(400)}", "")  # fmt: skip
            with contextlib.suppress(Exception):
                await self.store.write(functools.partial(_screening, row=row))
                if rng.random() < 0.2:
                    for notice in await self.notices.current("staff"):
                        if not notice["read"]:
                            await self.notices.mark_read(notice["id"], "staff")


def _screening(db: sqlite_utils.Database, row: tuple[object, ...]) -> None:
    db.execute(
        "INSERT INTO screenings (lane, decided_at, outcome, reason, rule, policy_version,"
        " temperature, code_type, code_status, complete, resident_id, raw_code)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        row,
    )


def gateway_ids(prefix: str, start: int, count: int) -> list[str]:
    return [f"{prefix}{n:04d}" for n in range(start, start + count)]


def community_of(gateway_id: str, communities: Sequence[str]) -> str:
    """Gateways spread over the communities, the same way in every process."""
    number = int("".join(ch for ch in gateway_id if ch.isdigit()) or "0")
    return communities[number % len(communities)]


async def run_fleet(
    fleet: FleetSettings, ids: Sequence[str], communities: Sequence[str], stagger_s: float = 0.02
) -> None:
    """Run the simulated gateways until cancelled (each starts a moment after the last, so the
    broker is not met by a thousand connections at once)."""
    gateways = [SimulatedGateway(i, community_of(i, communities), fleet) for i in ids]
    async with asyncio.TaskGroup() as tasks:
        for gateway in gateways:
            tasks.create_task(gateway.run(), name=f"gateway:{gateway.id}")
            await asyncio.sleep(stagger_s)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m edge.demo.fleet",
        description="Run simulated gateways (the real uplink and distribution code, no "
        "devices) against a central broker, until SIGINT or SIGTERM.",
    )
    parser.add_argument("--root", type=Path, required=True, help="a folder for their stores")
    parser.add_argument("--broker", default="127.0.0.1:1883", help="HOST:PORT of the broker")
    parser.add_argument("--keys", type=Path, required=True, help="the centre's public keys")
    parser.add_argument("--count", type=int, default=10, help="how many gateways")
    parser.add_argument("--start", type=int, default=1, help="the first gateway's number")
    parser.add_argument("--prefix", default="sim-", help="gateway ids: PREFIX0001, ...")
    parser.add_argument(
        "--communities", default="hilltop,riverside,elm-row", help="comma-separated ids"
    )
    parser.add_argument("--window", type=int, default=300, help="window length, seconds")
    parser.add_argument("--heartbeat", type=float, default=300.0, help="heartbeat, seconds")
    parser.add_argument("--activity", action="store_true", help="make screenings, read notices")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    host, _, port = args.broker.rpartition(":")
    fleet = FleetSettings(
        root=args.root,
        broker_host=host or "127.0.0.1",
        broker_port=int(port),
        centre_keys=args.keys,
        window_s=args.window,
        heartbeat_s=args.heartbeat,
        activity=args.activity,
    )
    ids = gateway_ids(args.prefix, args.start, args.count)
    communities = [c for c in args.communities.split(",") if c]

    async def until_signalled() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(run_fleet(fleet, ids, communities))
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(until_signalled())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
