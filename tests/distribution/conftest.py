"""A gateway's uplink with its distribution receiver, against a real Mosquitto."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cloud_sync.distribution.kinds import Kind
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
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.distribution.helpers import Centre, new_key, write_public
from tests.uplink.helpers import Collector, collecting


async def wait_for(predicate: Callable[[], bool], limit: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {limit} s: {what}")
        await asyncio.sleep(0.05)


@dataclass
class Gate:
    """One gateway: its store, its verifier, its policy, its uplink (started and stopped)."""

    root: Path
    broker: Mosquitto
    keys_dir: Path
    gateway_id: str = "gw-a"
    community: str | None = "willow-court"
    verifier: CommunityPassVerifier = field(
        default_factory=lambda: CommunityPassVerifier(KeyRing(), StatusList())
    )
    service: UplinkService | None = None
    task: asyncio.Task[None] | None = None
    store: Store | None = None
    policy: PolicyStore | None = None
    notices: NoticeBoard | None = None

    def settings(self) -> UplinkSettings:
        return UplinkSettings(
            gateway_id=self.gateway_id,
            community=self.community,
            broker_host=self.broker.host,
            broker_port=self.broker.port,
            tls=False,
            hmac_key_file=self.root / "hmac.key",
            centre_keys=[self.keys_dir],
            backoff_initial_s=0.1,
            backoff_max_s=0.5,
            clock_check="trust",
        )

    async def start(self) -> UplinkService:
        self.store = Store(
            self.root / "gateway.db",
            [CHECKPOINT_MIGRATIONS, UPLINK_MIGRATIONS, NOTICES_MIGRATIONS],
            synchronous="NORMAL",
        ).open()
        policy_file = self.root / "policy.toml"
        if not policy_file.exists():
            write_policy_file(policy_file, Policy())
        bus = Bus()
        self.policy = PolicyStore(policy_file, Policy(), bus, time.time)
        self.verifier = CommunityPassVerifier(KeyRing(), StatusList())
        appliers = build_appliers([self.verifier], self.policy, [NoticeApplier()])
        self.notices = NoticeBoard(self.store)
        self.service = UplinkService(
            self.settings(),
            self.store,
            bus,
            appliers=appliers,
            feeds=[NoticeReads(), NoticeReplies()],
        )
        self.task = asyncio.create_task(self.service.run())
        await wait_for(
            lambda: (
                self.service is not None
                and self.service.client is not None
                and self.service.client.connected.is_set()
            ),
            what="uplink connected",
        )
        return self.service

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        if self.store is not None:
            self.store.close()
        self.task = self.store = None

    def held(self, kind: Kind, scope: str) -> int:
        assert self.service is not None and self.service.receiver is not None
        for (k, s), stream in self.service.receiver.streams.items():
            if k is kind and str(s) == scope:
                return stream.held
        raise KeyError(scope)

    def colour(self, pass_id: str) -> str | None:
        state = self.verifier.status_list.lookup(pass_id)
        return None if state is None else state.value


@dataclass
class World:
    broker: Mosquitto
    centre: Centre
    client: MqttClient
    collector: Collector
    keys_dir: Path
    root: Path
    gates: list[Gate] = field(default_factory=list)

    def gate(self, name: str = "gw-a", community: str | None = "willow-court") -> Gate:
        gate = Gate(self.root / name, self.broker, self.keys_dir, name, community)
        gate.root.mkdir(parents=True, exist_ok=True)
        self.gates.append(gate)
        return gate

    def ack(self, gateway: str, key: str) -> dict[str, Any] | None:
        found = self.collector.latest.get((gateway, "distribution", key))
        return None if found is None else found["body"]

    async def wait_ack(
        self, gateway: str, key: str, predicate: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        def ok() -> bool:
            body = self.ack(gateway, key)
            return body is not None and predicate(body)

        await wait_for(ok, what=f"ack {gateway} {key}: {self.ack(gateway, key)}")
        body = self.ack(gateway, key)
        assert body is not None
        return body


@pytest.fixture
async def world(tmp_path: Path, mosquitto: Mosquitto) -> AsyncIterator[World]:
    key = new_key()
    keys_dir = tmp_path / "centre-keys"
    write_public(key, keys_dir, "centre-1")
    settings = MqttSettings(host=mosquitto.host, port=mosquitto.port, client_id="test-centre")
    async with MqttClient(settings) as client, collecting(mosquitto) as collector:
        await client.wait_connected(10)
        found = World(mosquitto, Centre(key), client, collector, keys_dir, tmp_path)
        try:
            yield found
        finally:
            for gate in found.gates:
                await gate.stop()
