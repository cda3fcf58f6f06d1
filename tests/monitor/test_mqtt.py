"""The monitor on a real Mosquitto: birth and will, shared subscriptions, policy push."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud_sync.monitor.cli import main
from cloud_sync.monitor.service import MonitorService, mqtt_subscriber
from cloud_sync.monitor.settings import MonitorSettings
from cloud_sync.monitor.storage import Storage, open_storage
from cloud_sync.policy_signing import generate_keypair
from cloud_sync.protocol import data_topic
from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings
from tests.brokers import Mosquitto
from tests.monitor.helpers import envelope, wait_until

GATEWAY = textwrap.dedent(
    """
    import asyncio, sys
    from cloud_sync.protocol import Envelope, birth_topic, death_topic, data_topic
    from firmware_interfaces.transports.mqtt import MqttClient, MqttSettings, Will

    AT = "2026-11-29T02:00:00Z"

    def env(stream, key, body, seq=1):
        return Envelope("gw-x", stream, key, 1, seq, AT, True, body).encode()

    async def run():
        will = Will(death_topic("gw-x"), env("death", "gateway", {"bdseq": 7}))
        settings = MqttSettings(port=int(sys.argv[1]), client_id="gw-x", keepalive=5, will=will)
        async with MqttClient(settings) as client:
            await client.wait_connected(10)
            birth = {"bdseq": 7, "keepalive_s": 5, "software": "t", "community": "Riverside"}
            await client.publish(birth_topic("gw-x"), env("birth", "gateway", birth))
            stock = {"item": "masks", "on_hand": 3, "unit": "box", "days_of_supply": None,
                     "reorder_point": None, "measured_at": AT}
            await client.publish(data_topic("gw-x", "stock"), env("stock", "masks", stock))
            print("up", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(run())
    """
)


def settings_for(broker: Mosquitto, db: str, **extra: object) -> MonitorSettings:
    return MonitorSettings(broker_port=broker.port, db=db, **extra)


async def start_monitor(
    settings: MonitorSettings, storage: Storage, stack: list[asyncio.Task[None]]
) -> tuple[MonitorService, MqttClient]:
    """A monitor whose subscription is acknowledged before this returns."""
    service = MonitorService(settings, storage.writer)
    context = mqtt_subscriber(settings)
    client = await context.__aenter__()
    await client.wait_connected(10)
    await client.subscribe(settings.subscription)

    async def run() -> None:
        try:
            await service.run(client)
        finally:
            await context.__aexit__(None, None, None)

    stack.append(asyncio.create_task(run()))
    return service, client


async def stop_all(stack: list[asyncio.Task[None]]) -> None:
    for task in stack:
        task.cancel()
    for task in stack:
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def gateway_process(mosquitto: Mosquitto) -> Iterator[subprocess.Popen[bytes]]:
    """A gateway in a process of its own, so killing it loses the link without a DISCONNECT."""
    proc = subprocess.Popen(
        [sys.executable, "-c", GATEWAY, str(mosquitto.port)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    yield proc
    proc.kill()
    proc.wait(10)


@pytest.mark.slow
async def test_birth_then_will_marks_gateway_offline(
    mosquitto: Mosquitto, tmp_path: Path, gateway_process: subprocess.Popen[bytes]
) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'm.db'}")
    stack: list[asyncio.Task[None]] = []
    gateway = gateway_process
    try:
        await start_monitor(settings_for(mosquitto, "sqlite:///unused"), storage, stack)
        assert gateway.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(gateway.stdout.readline), 20)
        assert line.strip() == b"up"
        await wait_until(lambda: storage.queries.message("gw-x", "stock", "masks") is not None)
        [gw] = storage.queries.gateways(0.0)
        assert gw["online"] and gw["bdseq"] == 7 and gw["claimed_community"] == "Riverside"
        gateway.kill()  # the link is lost without a DISCONNECT: the broker sends the will
        await asyncio.to_thread(gateway.wait, 10)
        await wait_until(lambda: not storage.queries.gateways(0.0)[0]["online"])
        assert storage.queries.gateways(0.0)[0]["offline_reason"] == "death"
    finally:
        await stop_all(stack)
        storage.close()


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_monitors_share_the_load_into_one_postgres(
    mosquitto: Mosquitto, pg_url: str
) -> None:
    stack: list[asyncio.Task[None]] = []
    storages = [open_storage(pg_url), open_storage(pg_url)]
    sent = 0
    try:
        services = [
            (await start_monitor(settings_for(mosquitto, pg_url, share_group="centre"), s, stack))[
                0
            ]
            for s in storages
        ]
        async with MqttClient(MqttSettings(port=mosquitto.port, client_id="publisher")) as pub:
            await pub.wait_connected(10)
            messages = [
                (
                    data_topic(f"gw-{n % 5}", "stock"),
                    envelope(f"gw-{n % 5}", key=f"k{n}", seq=n + 1),
                )
                for n in range(400)
            ]
            replays = messages[:100]  # an outbox re-sending after a reconnect
            for topic, env in messages + replays:
                await pub.publish(topic, env.encode())
                sent += 1
        await wait_until(lambda: sum(s.stats.received for s in services) == sent)
        await asyncio.wait_for(asyncio.gather(*(s.drained() for s in services)), 20)
        received = [s.stats.received for s in services]
        assert all(n > 0 for n in received), f"one monitor got nothing: {received}"
        assert sum(s.stats.stored for s in services) == 400
        assert sum(s.stats.duplicates for s in services) == 100
        assert storages[0].queries.count_messages() == 400
    finally:
        await stop_all(stack)
        for storage in storages:
            storage.close()


@pytest.fixture
def keys(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    private, public = generate_keypair()
    other, _ = generate_keypair()
    paths = (tmp_path / "centre.pem", tmp_path / "centre.pub", tmp_path / "impostor.pem")
    for path, pem in zip(paths, (private, public, other), strict=True):
        path.write_bytes(pem)
    yield paths


def test_push_policy_without_an_answer_says_so(
    mosquitto: Mosquitto,
    tmp_path: Path,
    keys: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text("{}")
    code = main(
        [
            "push-policy",
            "--broker",
            f"127.0.0.1:{mosquitto.port}",
            "--gateway",
            "gw-none",
            "--policy",
            str(policy),
            "--key",
            str(keys[0]),
            "--timeout",
            "1",
        ]
    )
    assert code == 3
    assert "no acknowledgement from gw-none" in capsys.readouterr().err
